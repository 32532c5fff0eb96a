// close-with-grace, as its README wires it: closeWithGrace({ delay }, async fn) closing the
// server in fn; it exits 0 when fn resolves, 1 at `delay`.
import closeWithGrace from 'close-with-grace';
import { budget, cleanup, listen, server, startWork } from './common.mjs';

closeWithGrace({ delay: budget }, async ({ err }) => {
  if (err) console.error(err);
  await new Promise((resolve) => server.close(resolve));
  await cleanup();
});

await listen();
startWork();
