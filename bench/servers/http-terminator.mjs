// http-terminator, as its README wires it: `await httpTerminator.terminate()` instead of
// server.close(). It has no signal handling: the same hand-written handler as the baseline.
import { createHttpTerminator } from 'http-terminator';
import { budget, cleanup, listen, server, startWork } from './common.mjs';

const httpTerminator = createHttpTerminator({ server, gracefulTerminationTimeout: budget });

process.once('SIGTERM', async () => {
  setTimeout(() => process.exit(1), budget).unref();
  await httpTerminator.terminate();
  await cleanup();
  process.exit(0);
});

await listen();
startWork();
