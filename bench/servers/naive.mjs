// Naive hand-written, the baseline most services have: on SIGTERM close the server (and its
// idle keep-alive sockets), run the cleanup, exit 0; a force-exit timer ends it at the budget.
import { budget, cleanup, listen, server, startWork } from './common.mjs';

process.once('SIGTERM', () => {
  setTimeout(() => process.exit(1), budget).unref();
  server.close(async () => {
    await cleanup();
    process.exit(0);
  });
  server.closeIdleConnections();
});

await listen();
startWork();
