/**
 * Seeded randomized HTTP drains (issue 18; see test/helpers/drain-random.ts for the generator,
 * the runner and the oracle).
 *
 *   LASTCALL_DRAIN_SEED=<n>            replays seed n alone, printing its case, its event log and what was allowed
 *   LASTCALL_DRAIN_SEEDS=<a>..<b>      runs seeds a to b (default 1..500)
 *   LASTCALL_DRAIN_CONCURRENCY=<n>     cases run at once (default 25)
 *   LASTCALL_DRAIN_VERBOSE=1           keeps every case's event log, and prints it for the failures shown
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DRAIN_SLACK, generateDrainCase, runDrainCase, type DrainResult, type TlsMaterial } from '../helpers/drain-random.js';
import { integerFromEnv, percentile, runSeeds, summarizeFailures } from '../helpers/seeds.js';
import { makeCert, type TestCert } from '../helpers/tls.js';

function rangeFromEnv(name: string, fallback: [number, number]): [number, number] {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const match = /^(\d+)\.\.(\d+)$/.exec(raw);
  if (match === null || Number(match[1]) > Number(match[2])) throw new Error(`${name} must be <first>..<last>, got ${JSON.stringify(raw)}`);
  return [Number(match[1]), Number(match[2])];
}

const REPLAY = integerFromEnv('LASTCALL_DRAIN_SEED', undefined, 0);
const [FIRST, LAST] = rangeFromEnv('LASTCALL_DRAIN_SEEDS', [1, 500]);
// Each case mostly waits on timers and loopback sockets; this many at once keep the event loop's stalls short.
const CONCURRENCY = integerFromEnv('LASTCALL_DRAIN_CONCURRENCY', 25, 1);
const VERBOSE = process.env.LASTCALL_DRAIN_VERBOSE === '1';

const replayCommand = (seed: number): string => `LASTCALL_DRAIN_SEED=${seed} npx vitest run test/http/random-drain.test.ts`;

let cert: TestCert;
let material: TlsMaterial;
beforeAll(() => {
  cert = makeCert();
  material = { key: readFileSync(cert.keyPath), cert: cert.cert };
});
afterAll(() => cert?.remove());

function failureMessage(result: DrainResult): string {
  return [
    `seed ${result.spec.seed} failed (replay: ${replayCommand(result.spec.seed)}):`,
    ...result.failures.map((failure) => `  - ${failure}`),
    `case: ${JSON.stringify(result.spec)}`,
    ...(result.log.length > 0 ? ['log:', ...result.log] : []),
  ].join('\n');
}

describe('randomized HTTP drains', () => {
  if (REPLAY !== undefined) {
    it(`replays seed ${REPLAY}`, { timeout: 60_000 }, async () => {
      const spec = generateDrainCase(REPLAY);
      const result = await runDrainCase(spec, material, { verbose: true });
      console.log([`case: ${JSON.stringify(spec, null, 2)}`, 'log:', ...result.log, `tally: ${JSON.stringify(result.tally)}`].join('\n'));
      expect(result.failures, failureMessage(result)).toEqual([]);
    });
    return;
  }

  it('generates the same case from the same seed', () => {
    for (const seed of [1, 2, 77, 4_242, 2 ** 31 - 1]) expect(generateDrainCase(seed)).toEqual(generateDrainCase(seed));
    expect(generateDrainCase(1)).not.toEqual(generateDrainCase(2));
  });

  const count = LAST - FIRST + 1;
  it(`holds the drain's invariants over seeds ${FIRST}..${LAST}`, { timeout: Math.max(300_000, count * 400) }, async () => {
    const seeds = Array.from({ length: count }, (_, i) => FIRST + i);
    const started = performance.now();
    const results = await runSeeds(seeds, CONCURRENCY, (seed) => runDrainCase(generateDrainCase(seed), material, { verbose: VERBOSE }));
    const took = performance.now() - started;

    const tally = new Map<string, number>();
    for (const result of results) for (const [key, n] of Object.entries(result.tally)) tally.set(key, (tally.get(key) ?? 0) + n);
    const protocols = new Map<string, number>();
    for (const result of results) protocols.set(result.spec.protocol, (protocols.get(result.spec.protocol) ?? 0) + 1);
    console.log(
      `lastcall random drain: seeds ${FIRST}..${LAST}, ${count} cases in ${Math.round(took)} ms (${CONCURRENCY} at once); ` +
        `${[...protocols].map(([protocol, n]) => `${protocol} ${n}`).join(', ')}; ` +
        `outcomes: ${['clean', 'failed'].map((o) => `${o} ${results.filter((r) => r.report?.outcome === o).length}`).join(', ')}; ` +
        `a case takes ${percentile(results.map((r) => r.took), 0.5).toFixed(0)} ms from its trigger to its report (median; max ${Math.max(...results.map((r) => r.took)).toFixed(0)}); ` +
        `event-loop stalls past the deadline: median ${percentile(results.map((r) => r.stall), 0.5).toFixed(1)} ms, max ${Math.max(...results.map((r) => r.stall)).toFixed(1)} ms (slack ${DRAIN_SLACK} ms)\n` +
        `  allowed: ${[...tally].sort().map(([key, n]) => `${key} ${n}`).join(', ')}`,
    );

    const failed = results.filter((result) => result.failures.length > 0);
    let message = '';
    if (failed.length > 0) {
      // The first failure once more, alone and with its event log.
      const replay = await runDrainCase(generateDrainCase(failed[0]!.spec.seed), material, { verbose: true });
      const again = replay.failures.length > 0 ? 'fails again' : 'passes (the failure needs the load of the batch)';
      message = `${summarizeFailures(failed, count, (failure) => failure.replace(/\b[rspc]\d+(~r)?(:tls)?\b/g, '<id>').replace(/\d+:\d+/g, '<conn>'), 30)}${failed.slice(0, VERBOSE ? 10 : 3).map(failureMessage).join('\n\n')}\n\nseed ${replay.spec.seed} replayed alone ${again}:\n${failureMessage(replay)}`;
    }
    expect(failed.length, message).toBe(0);
  });

  // Defects the randomized drains found in 0.2's drain, pinned to small seeds that fail alone on it
  // every time (replay with LASTCALL_DRAIN_SEED=<seed> for the case and its event log).
  const pinned: [number, string][] = [
    [772, "a server whose listen() completes after the trigger accepts no connection (bug: its listener opens mid-shutdown, a request is cut at the exit, the report says clean)"],
    [1624, "a server whose listen(port, 'localhost') is still resolving at the trigger never opens (bug: it opens, a request is cut at the exit, the report says clean)"],
    [450, 'pipelined requests behind one in flight are all answered (bug: Connection: close on the first ends the socket; the second and third handlers ran, their responses are lost)'],
    [113, 'pipelined requests over TLS are all answered (bug: as over http)'],
    [477, 'a request whose headers stall after their first bytes is served (bug: reset after the 100 ms idle grace)'],
    [952, 'a request whose headers stall after their first bytes is served over TLS (bug: as over http)'],
    [1162, "a 100-continue upload handled by a 'checkContinue' listener is served (bug: the drain never sees it, and closes its connection as idle)"],
    [336, "a response to a 'checkContinue' request after the trigger says Connection: close (bug: keep-alive)"],
    [848, "a request handled by a 'checkExpectation' listener is served (bug: the drain never sees it, and closes its connection as idle)"],
    [1750, 'a TLS handshake whose ClientHello stalls halfway is not cut before the deadline (bug: closed as idle after 100 ms)'],
  ];
  for (const [seed, title] of pinned) {
    it(`seed ${seed}: ${title}`, { timeout: 30_000 }, async () => {
      const result = await runDrainCase(generateDrainCase(seed), material, { verbose: true });
      expect(result.failures, failureMessage(result)).toEqual([]);
    });
  }
});
