// Keep-alive clients in a closed loop while the server drains: the race a graceful shutdown
// must win. A request the server accepted (printed `got:<id>`) must be answered; a client may
// only fail on requests the server never saw, and then only because the listener was closed:
// refused, or reset from the kernel's accept queue as it closed. A reused keep-alive socket
// reset under a request (the race the idle grace exists for) fails the test.
import { describe, expect, it } from 'vitest';
import { startFixture } from '../helpers/fixture.js';
import { portOf } from '../helpers/http.js';
import { closedLoop, type LoadResult } from '../helpers/load.js';

const WORKERS = 16;
const ROUNDS = 10;

interface Round extends LoadResult {
  readonly code: number | null;
}

async function round(path: string): Promise<Round> {
  const server = startFixture('http-server.mjs');
  const port = await portOf(server);
  const load = closedLoop(port, path, WORKERS);
  // Signal once the load is steady: every client has had a few requests through.
  await Promise.all(Array.from({ length: WORKERS }, (_, w) => server.waitFor(`got:w${w}-3\n`)));
  server.kill('SIGTERM');
  const { code, stdout } = await server.ended();
  return { ...(await load.finish(stdout)), code };
}

describe.concurrent('addServer under a closed loop of keep-alive clients', () => {
  for (const [kind, path] of [
    ['instant', '/'],
    ['slow', '/slow?ms=30'],
  ] as const) {
    it(`${kind} requests: every accepted request is answered, late connections are refused (${ROUNDS} rounds)`, async () => {
      const rounds: Round[] = [];
      for (let i = 0; i < ROUNDS; i++) rounds.push(await round(path));
      console.log(`${kind}: ${JSON.stringify(rounds.map(({ accepted, answered, refused, resetFromQueue, otherFailures }) => ({ accepted, answered, refused, resetFromQueue, other: otherFailures.length })))}`);

      expect(rounds.flatMap((each) => each.acceptedButFailed)).toEqual([]);
      expect(rounds.flatMap((each) => each.otherFailures)).toEqual([]);
      expect(rounds.map((each) => each.code)).toEqual(rounds.map(() => 0));
      expect(rounds.every((each) => each.accepted >= WORKERS * 4)).toBe(true);
    });
  }
});
