import { createServer } from 'node:net';

// Below Linux's ephemeral range (32768 and up): no listen(0) or outgoing connection anywhere on
// the machine takes such a port between the check and the test's own use of it.
const LOWEST = 20_000;
const SPAN = 12_000;
const TRIES = 50;

/**
 * A port on 127.0.0.1 that was free a moment ago: for a server the test starts itself, by port,
 * or for a port that must stay closed (a listen() that should never open it).
 */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < TRIES; attempt++) {
    const port = LOWEST + Math.floor(Math.random() * SPAN);
    const free = await new Promise<boolean>((resolve) => {
      const server = createServer();
      server.once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
    });
    if (free) return port;
  }
  throw new Error(`no free port between ${LOWEST} and ${LOWEST + SPAN} in ${TRIES} tries`);
}
