// stoppable, as its README wires it: stoppable(server, grace), then server.stop(callback).
// It has no signal handling: the same hand-written handler as the baseline.
import stoppable from 'stoppable';
import { budget, cleanup, listen, server, startWork } from './common.mjs';

stoppable(server, budget);

process.once('SIGTERM', () => {
  setTimeout(() => process.exit(1), budget).unref();
  server.stop(async () => {
    await cleanup();
    process.exit(0);
  });
});

await listen();
startWork();
