// Keep-alive clients in a closed loop while the server drains: the race a graceful shutdown
// must win. A request the server accepted (printed `got:<id>`) must be answered; a client may
// only fail on requests the server never saw, and then only because the listener was closed.
import { Agent } from 'node:http';
import { describe, expect, it } from 'vitest';
import { startFixture } from './helpers/fixture.js';
import { get, portOf } from './helpers/http.js';

const WORKERS = 16;
const ROUNDS = 10;

interface Round {
  readonly accepted: number;
  readonly answered: number;
  readonly acceptedButFailed: string[];
  readonly refused: number;
  readonly otherFailures: string[];
  readonly code: number | null;
}

async function round(path: string): Promise<Round> {
  const server = startFixture('http-server.mjs');
  const port = await portOf(server);
  const answered = new Set<string>();
  const failed = new Map<string, string>();
  let stop = false;
  const worker = async (w: number): Promise<void> => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    // Bounded: a worker stops once the listener refuses it, or after 2,000 requests.
    for (let i = 0; i < 2_000 && !stop; i++) {
      const id = `w${w}-${i}`;
      try {
        await get(port, path, { agent, id });
        answered.add(id);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code ?? String(error);
        failed.set(id, code);
        if (code === 'ECONNREFUSED') break;
      }
    }
    agent.destroy();
  };
  const workers = Array.from({ length: WORKERS }, (_, w) => worker(w));
  // Signal once the load is steady: every worker has had a few requests through.
  await Promise.all(Array.from({ length: WORKERS }, (_, w) => server.waitFor(`got:w${w}-3\n`)));
  server.kill('SIGTERM');
  const { code, stdout } = await server.ended();
  stop = true;
  await Promise.all(workers);

  const accepted = stdout.split('\n').filter((line) => line.startsWith('got:')).map((line) => line.slice(4));
  const acceptedSet = new Set(accepted);
  return {
    accepted: accepted.length,
    answered: answered.size,
    acceptedButFailed: accepted.filter((id) => !answered.has(id)).map((id) => `${id}:${failed.get(id) ?? 'no answer'}`),
    refused: [...failed.values()].filter((reason) => reason === 'ECONNREFUSED').length,
    otherFailures: [...failed].filter(([id, reason]) => reason !== 'ECONNREFUSED' && !acceptedSet.has(id)).map(([id, reason]) => `${id}:${reason}`),
    code,
  };
}

describe.concurrent('addServer under a closed loop of keep-alive clients', () => {
  for (const [kind, path] of [
    ['instant', '/'],
    ['slow', '/slow?ms=30'],
  ] as const) {
    it(`${kind} requests: every accepted request is answered, late connections are refused (${ROUNDS} rounds)`, async () => {
      const rounds: Round[] = [];
      for (let i = 0; i < ROUNDS; i++) rounds.push(await round(path));
      console.log(`${kind}: ${JSON.stringify(rounds.map(({ accepted, answered, refused, otherFailures }) => ({ accepted, answered, refused, other: otherFailures.length })))}`);

      expect(rounds.flatMap((each) => each.acceptedButFailed)).toEqual([]);
      expect(rounds.flatMap((each) => each.otherFailures)).toEqual([]);
      expect(rounds.map((each) => each.code)).toEqual(rounds.map(() => 0));
      expect(rounds.every((each) => each.accepted >= WORKERS * 4)).toBe(true);
    });
  }
});
