// In-process microbenchmarks of lastcall, run by ../run.mjs in a child with --expose-gc:
// ns per track() + settle and per run(), register() with 10,000 hooks and a shutdown that runs
// them, the hand-back of tasks still in flight at the drain deadline, and the heap each pending
// task holds. Prints one JSON object.
// BENCH_MICRO_N: tasks per measurement (default 1,000,000); BENCH_MICRO_REPS: repetitions.

// ../dist, or the snapshot of it that run.mjs takes at its start (BENCH_LASTCALL).
const { ShutdownCoordinator } = await import(process.env.BENCH_LASTCALL ?? '../../dist/index.js');

const N = Number(process.env.BENCH_MICRO_N ?? 1_000_000);
const REPS = Number(process.env.BENCH_MICRO_REPS ?? 5);
const HOOKS = 10_000;
const MEMORY_N = Math.min(100_000, N);
const HAND_BACK_N = Math.min(100_000, N);
const HAND_BACK_BUDGET = 3_000;
const STEADY_BATCH = 1_000;

const warnings = [];
process.on('warning', (warning) => warnings.push(`${warning.name}: ${warning.message}`));

const quiet = (options) => new ShutdownCoordinator({ signals: [], handleErrors: false, exit: false, logger: false, ...options });
const macrotask = () => new Promise((resolve) => setImmediate(resolve));
const noop = () => {};
const stats = (samples) => {
  const sorted = [...samples].sort((a, b) => a - b);
  return { median: sorted[Math.floor(sorted.length / 2)], min: sorted[0], max: sorted.at(-1), samples };
};

/**
 * ns per operation over N already-resolved promises, until every settle callback has run.
 * `batch` N: all N tracked at once, then settled (N tasks in flight at the peak);
 * `batch` 1,000: settled after every 1,000 (at most 1,000 in flight, the steady state).
 */
async function perPromise(make, batch) {
  const promises = Array.from({ length: N }, (_, i) => Promise.resolve(i));
  const op = make();
  global.gc();
  await macrotask();
  const start = performance.now();
  for (let i = 0; i < N; i += batch) {
    const end = Math.min(N, i + batch);
    for (let j = i; j < end; j++) op(promises[j]);
    if (batch < N) await null; // the settle callbacks of this batch run first
  }
  await macrotask();
  return ((performance.now() - start) * 1e6) / N;
}

async function measure(make, batch) {
  const samples = [];
  for (let rep = 0; rep < REPS; rep++) samples.push(await perPromise(make, batch));
  return stats(samples);
}

const variants = {
  // What any promise bookkeeping costs at least: one then() per promise.
  then: () => (promise) => void promise.then(noop, noop),
  track: () => {
    const coordinator = quiet();
    return (promise) => void coordinator.track(promise);
  },
  trackNamed: () => {
    const coordinator = quiet();
    return (promise) => void coordinator.track(promise, { name: 'job', onAbandon: noop });
  },
  run: () => {
    const coordinator = quiet();
    return () => void coordinator.run(noop);
  },
};

const results = { n: N, reps: REPS, steadyBatch: STEADY_BATCH, allAtOnceNs: {}, steadyNs: {} };
let measureAwaitsAfter;
// What an `await` anywhere in the application costs before and after the first run(): run()
// (and every hook at shutdown) runs inside AsyncLocalStorage, which on Node 20 and 22 turns on
// async_hooks' promise hooks for the whole process, for good.
{
  const AWAITS = N;
  const awaitLoop = async () => {
    const start = performance.now();
    let sum = 0;
    for (let i = 0; i < AWAITS; i++) sum += await i;
    if (sum < 0) throw new Error('unreachable');
    return ((performance.now() - start) * 1e6) / AWAITS;
  };
  // Before anything in this process has called run() or shutdown(); "after" is measured at the end.
  const before = [];
  for (let rep = 0; rep < REPS; rep++) before.push(await awaitLoop());
  results.awaitNs = { before: stats(before) };
  measureAwaitsAfter = async () => {
    const after = [];
    for (let rep = 0; rep < REPS; rep++) after.push(await awaitLoop());
    results.awaitNs.after = stats(after);
  };
}

for (const [name, make] of Object.entries(variants)) {
  results.allAtOnceNs[name] = await measure(make, N);
  results.steadyNs[name] = await measure(make, STEADY_BATCH);
}
{
  // The tracked work really counts as settled: inFlight is back to 0.
  const coordinator = quiet();
  for (let i = 0; i < 1000; i++) coordinator.track(Promise.resolve(i));
  await macrotask();
  results.inFlightAfterSettle = coordinator.inFlight;
}

// register(): 10,000 hooks into one phase, then a shutdown (exit: false) that runs them all.
{
  const registerSamples = [];
  const shutdownSamples = [];
  const before = warnings.length;
  for (let rep = 0; rep < REPS; rep++) {
    const coordinator = quiet();
    global.gc();
    const start = performance.now();
    for (let i = 0; i < HOOKS; i++) coordinator.register({ name: `hook ${i}`, phase: 'close-clients', run: noop });
    registerSamples.push(performance.now() - start);
    const shutdownStart = performance.now();
    const report = await coordinator.shutdown({ reason: 'bench' });
    shutdownSamples.push(performance.now() - shutdownStart);
    if (report.phases.find((phase) => phase.name === 'close-clients').hooks.length !== HOOKS) throw new Error('hooks missing');
  }
  process.exitCode = 0;
  await macrotask();
  results.hooks = HOOKS;
  results.register10kMs = stats(registerSamples);
  results.registerNsPerHook = (results.register10kMs.median * 1e6) / HOOKS;
  results.shutdownWith10kHooksMs = stats(shutdownSamples);
  results.warningsDuringHookRuns = [...new Set(warnings.slice(before))];
}

// The hand-back: HAND_BACK_N tasks that never settle, all still in flight at the drain deadline of
// a 3 s budget. µs per task from the first onAbandon call to the last (a run() task's signal is
// aborted first), and ms from shutdown() to its report; against what one writes by hand: a Set of
// tasks, each with its AbortController (for run()) and its onAbandon, walked once at the deadline,
// every signal aborted with one shared reason (abort() without one builds a DOMException each).
{
  const never = new Promise(noop);
  const clock = () => {
    const times = { first: undefined, last: undefined, count: 0 };
    const onAbandon = () => {
      const now = performance.now();
      times.first ??= now;
      times.last = now;
      times.count++;
    };
    const perTaskUs = () => {
      if (times.count !== HAND_BACK_N) throw new Error(`${times.count} of ${HAND_BACK_N} tasks handed back`);
      return ((times.last - times.first) * 1e3) / (HAND_BACK_N - 1);
    };
    return { onAbandon, perTaskUs };
  };
  const byLastcall = async (kind) => {
    const coordinator = quiet({ timeout: HAND_BACK_BUDGET });
    const { onAbandon, perTaskUs } = clock();
    for (let i = 0; i < HAND_BACK_N; i++) {
      if (kind === 'run') void coordinator.run(() => never, { name: 'job', onAbandon });
      else coordinator.track(never, { name: 'job', onAbandon });
    }
    global.gc();
    const start = performance.now();
    const report = await coordinator.shutdown({ reason: 'bench' });
    const reportMs = performance.now() - start;
    if (report.tasks.abandoned.length !== HAND_BACK_N) throw new Error('tasks missing from the report');
    return { us: perTaskUs(), reportMs };
  };
  const byHand = (kind) => {
    const inFlight = new Set();
    const { onAbandon, perTaskUs } = clock();
    for (let i = 0; i < HAND_BACK_N; i++) {
      const task = { controller: kind === 'run' ? new AbortController() : undefined, onAbandon };
      inFlight.add(task);
      never.then(() => inFlight.delete(task));
    }
    const reason = new DOMException('abandoned at the drain deadline', 'AbortError');
    for (const task of inFlight) {
      task.controller?.abort(reason);
      task.onAbandon();
    }
    return perTaskUs();
  };
  results.handBack = { n: HAND_BACK_N, budgetMs: HAND_BACK_BUDGET };
  for (const kind of ['track', 'run']) {
    const lastcall = [];
    const reportMs = [];
    const hand = [];
    for (let rep = 0; rep < REPS; rep++) {
      const measured = await byLastcall(kind);
      lastcall.push(measured.us);
      reportMs.push(measured.reportMs);
      hand.push(byHand(kind));
    }
    results.handBack[kind] = { us: stats(lastcall), reportMs: stats(reportMs), byHandUs: stats(hand) };
  }
  process.exitCode = 0;
}

// Heap per pending task: MEMORY_N pending promises, kept alive (as whatever resolves them would),
// measured against the same promises untracked.
{
  const heap = () => {
    global.gc();
    global.gc();
    return process.memoryUsage().heapUsed;
  };
  const keep = [];
  const bytesPer = (track, tracked = true) => {
    const pending = Array.from({ length: MEMORY_N }, () => new Promise(noop));
    keep.push(pending);
    const before = heap();
    const coordinator = quiet();
    keep.push(coordinator);
    for (const promise of pending) track(coordinator, promise);
    const after = heap();
    if (tracked && coordinator.inFlight !== MEMORY_N) throw new Error('tasks missing');
    return (after - before) / MEMORY_N;
  };
  results.memoryN = MEMORY_N;
  results.bytesPerPendingThen = bytesPer((_, promise) => promise.then(noop, noop), false);
  results.bytesPerTrackedTask = bytesPer((coordinator, promise) => coordinator.track(promise));
  results.bytesPerRunTask = bytesPer((coordinator, promise) => coordinator.run(() => promise, { name: 'job', onAbandon: noop }));
}

await measureAwaitsAfter();

process.stdout.write(`${JSON.stringify(results)}\n`);
