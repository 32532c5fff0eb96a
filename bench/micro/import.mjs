// One fresh process, one measurement of what loading lastcall costs; ../run.mjs starts it 15
// times per variant (a module loads once per process). BENCH_IMPORT says what it loads:
//   http           `await import('node:http')` alone, the reference: a service's own first import
//   lastcall       `await import(lastcall)`, then `new ShutdownCoordinator()`, each step timed
//   http+lastcall  node:http first, then lastcall and the coordinator: what lastcall adds to a
//                  service that has loaded http already
//   http+node:tls  node:http first, then one built-in module (here tls): what each of those that
//                  lastcall loads costs on its own
//   file           a one-line module beside lastcall's snapshot (floor.js, written by run.mjs):
//                  the floor under importing any file, which no lazy loading removes
// Prints one JSON line: ms per step, and the modules each step made Node load
// (process.moduleLoadList only grows: its new entries are what the step loaded).
const variant = process.env.BENCH_IMPORT;
const builtin = variant?.startsWith('http+node:') ? variant.slice('http+'.length) : undefined;
if (!['http', 'lastcall', 'http+lastcall', 'file'].includes(variant) && builtin === undefined) {
  throw new Error(`BENCH_IMPORT=${variant}: http, lastcall, http+lastcall, file or http+node:<name>`);
}
// ../dist, or the snapshot of it that run.mjs takes at its start (BENCH_LASTCALL).
const url = process.env.BENCH_LASTCALL ?? new URL('../../dist/index.js', import.meta.url).href;

// The global `performance` loads perf_hooks on first use: use it once before any step, so that
// load is not counted as a step's.
performance.now();
const steps = {};
async function step(name, fn) {
  const before = process.moduleLoadList.length;
  const start = performance.now();
  const value = await fn();
  steps[name] = { ms: performance.now() - start, loaded: process.moduleLoadList.slice(before) };
  return value;
}

if (variant === 'http' || variant.startsWith('http+')) await step('http', () => import('node:http'));
if (variant === 'file') await step('file', () => import(new URL('floor.js', url).href));
else if (builtin !== undefined) await step('builtin', () => import(builtin));
else if (variant !== 'http') {
  const { ShutdownCoordinator } = await step('import', () => import(url));
  // Default options, as the README's first example: signal and error listeners installed.
  await step('construct', () => new ShutdownCoordinator());
}
process.stdout.write(`${JSON.stringify({ variant, steps })}\n`);
