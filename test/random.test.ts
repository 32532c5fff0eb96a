/**
 * Seeded randomized shutdowns (see test/helpers/random.ts for the generator and the oracle).
 *
 *   LASTCALL_SEED=<n>            replays seed n alone, printing its case, event log and report
 *   LASTCALL_CASES=<count>       how many cases (default 2000)...
 *   LASTCALL_FIRST_SEED=<n>      ...from this seed on (default 1)
 *   LASTCALL_CONCURRENCY=<n>     cases run at once (default 100)
 */
import { afterEach, describe, expect, it } from 'vitest';
import { BUDGET_SLACK, describeReport, generateCase, runCase, type CaseResult } from './helpers/random.js';
import { integerFromEnv, percentile, runSeeds, summarizeFailures } from './helpers/seeds.js';

const REPLAY = integerFromEnv('LASTCALL_SEED', undefined, 0);
const CASES = integerFromEnv('LASTCALL_CASES', 2_000, 1);
const FIRST_SEED = integerFromEnv('LASTCALL_FIRST_SEED', 1, 0);
// Each case mostly waits on timers: run this many at once (2000 cases take about 4 s).
const CONCURRENCY = integerFromEnv('LASTCALL_CONCURRENCY', 100, 1);

// shutdown() hands its code to process.exitCode, even with exit: false: the runner must not inherit it.
afterEach(() => {
  process.exitCode = undefined;
});

function failureMessage(result: CaseResult): string {
  return [
    `seed ${result.spec.seed} failed (replay: LASTCALL_SEED=${result.spec.seed} npx vitest run test/random.test.ts):`,
    ...result.failures.map((failure) => `  - ${failure}`),
    `case: ${JSON.stringify(result.spec)}`,
    `report: ${describeReport(result.report)}`,
    ...(result.log.length > 0 ? ['log:', ...result.log] : []),
  ].join('\n');
}

describe('randomized shutdowns', () => {
  if (REPLAY !== undefined) {
    it(`replays seed ${REPLAY}`, async () => {
      const spec = generateCase(REPLAY);
      const result = await runCase(spec, { verbose: true, checkExitCode: true });
      console.log(
        [`case: ${JSON.stringify(spec, null, 2)}`, 'log:', ...result.log, `report: ${describeReport(result.report)}`].join('\n'),
      );
      expect(result.failures, failureMessage(result)).toEqual([]);
    });
    return;
  }

  it('generates the same case from the same seed', () => {
    for (const seed of [1, 2, 77, 4_242, 2 ** 31 - 1]) expect(generateCase(seed)).toEqual(generateCase(seed));
    expect(generateCase(1)).not.toEqual(generateCase(2));
  });

  it(`holds the invariants over ${CASES} seeded cases (seeds ${FIRST_SEED}..${FIRST_SEED + CASES - 1})`, { timeout: 120_000 }, async () => {
    const seeds = Array.from({ length: CASES }, (_, i) => FIRST_SEED + i);
    const started = performance.now();
    const results = await runSeeds(seeds, CONCURRENCY, (seed) => runCase(generateCase(seed)));
    const took = performance.now() - started;

    const outcomes = new Map<string, number>();
    for (const result of results) {
      for (const hook of result.report?.phases.flatMap((phase) => phase.hooks) ?? []) {
        const key = `${hook.outcome}${hook.late ? ' (late)' : ''}`;
        outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
      }
    }
    const overruns = results.map((result) => result.overrun);
    const beyondStalls = results.map((result) => result.overrun - result.stall);
    const tasks = results.map((result) => result.report!.tasks);
    console.log(
      `lastcall random: seeds ${FIRST_SEED}..${FIRST_SEED + CASES - 1}, ${CASES} cases in ${Math.round(took)} ms (${CONCURRENCY} at once); ` +
        `report vs budget end: median ${percentile(overruns, 0.5).toFixed(1)} ms, p99 ${percentile(overruns, 0.99).toFixed(1)} ms, max ${Math.max(...overruns).toFixed(1)} ms; ` +
        `event-loop stalls meanwhile: median ${percentile(results.map((r) => r.stall), 0.5).toFixed(1)} ms, max ${Math.max(...results.map((r) => r.stall)).toFixed(1)} ms; overrun less stalls: p99 ${percentile(beyondStalls, 0.99).toFixed(1)} ms, max ${Math.max(...beyondStalls).toFixed(1)} ms (slack ${BUDGET_SLACK} ms)\n` +
        `  hooks: ${[...outcomes].sort().map(([key, count]) => `${key} ${count}`).join(', ')}\n` +
        `  tasks: finished ${tasks.reduce((n, t) => n + t.finished, 0)}, rejected ${tasks.reduce((n, t) => n + t.rejected.length, 0)}, ` +
        `abandoned ${tasks.reduce((n, t) => n + t.abandoned.length, 0)}, released ${tasks.reduce((n, t) => n + t.released.length, 0)}; ` +
        `outcomes: ${['clean', 'failed'].map((o) => `${o} ${results.filter((r) => r.report?.outcome === o).length}`).join(', ')}`,
    );

    const failed = results.filter((result) => result.failures.length > 0);
    let message = '';
    if (failed.length > 0) {
      // The first failure once more, alone and with its event log.
      const replay = await runCase(generateCase(failed[0]!.spec.seed), { verbose: true });
      const again = replay.failures.length > 0 ? 'fails again' : 'passes (the failure needs the load of the batch)';
      message = `${summarizeFailures(failed, CASES, (failure) => failure.replace(/its hooks: .*/, 'its hooks: ...').replace(/\b[th]\d+\b/g, '<name>'))}${failed.slice(0, 3).map(failureMessage).join('\n\n')}\n\nseed ${replay.spec.seed} replayed alone ${again}:\n${failureMessage(replay)}`;
    }
    expect(failed.length, message).toBe(0);
  });

  // Bugs the randomized cases found, pinned to the seed that first showed each (replay with
  // LASTCALL_SEED=<seed> to see the case, the event log and the report).
  it('seed 38: a hook registered as its phase closes runs in the sequence and is reported (bug: registered between the last hook outcome of close-http and the phase\'s end, it runs outside the run: missing from the report, not awaited, its deadline a whole budget from its registration)', async () => {
    const result = await runCase(generateCase(38), { verbose: true });
    expect(result.failures, failureMessage(result)).toEqual([]);
  });

  it('seed 5499: work tracked as the drain finds no task left is awaited until the drain deadline (bug: tracked in the microtasks between the drain\'s last check and its end, it is accepted, then abandoned at once, long before the drain deadline, and the run fails)', async () => {
    const result = await runCase(generateCase(5_499), { verbose: true });
    expect(result.failures, failureMessage(result)).toEqual([]);
  });

  it('sets process.exitCode to the report\'s exit code (a few seeds, one at a time)', { timeout: 30_000 }, async () => {
    // process.exitCode is global: only cases run one at a time can check it.
    for (const seed of [3, 14, 15, 92, 65, 35]) {
      const result = await runCase(generateCase(seed), { checkExitCode: true });
      expect(result.failures, failureMessage(result)).toEqual([]);
    }
  });
});
