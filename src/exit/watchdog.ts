import { ms } from '../report/ms.js';
import { builtin } from '../runtime/builtin.js';

/**
 * The child processes the watchdog ends before the process, which would otherwise orphan them:
 * their pids in memory shared with its thread, each set to 0 once its child has been reaped, so
 * that a pid freed and taken by another process is never killed.
 */
export interface WatchedChildren {
  readonly pids: Int32Array;
  readonly names: readonly string[];
}

// Runs on its own thread and event loop, so its timer fires even while the main thread is
// stuck in synchronous code. process.exit() there would end only the thread: SIGKILL ends all.
const WATCHDOG_SOURCE = `
const { workerData } = require('node:worker_threads');
const { writeSync } = require('node:fs');
const { at, blocked, pids, names } = workerData;
const fire = () => {
  const left = at - Date.now();
  // Past setTimeout's limit a delay fires after 1 ms: wait in steps of at most that limit.
  if (left > 0) return void setTimeout(fire, Math.min(left, 2147483647));
  const killed = [];
  for (let i = 0; i < pids.length; i++) {
    const pid = Atomics.load(pids, i);
    if (pid === 0) continue;
    try {
      process.kill(pid, 'SIGKILL');
      killed.push('"' + names[i] + '" (pid ' + pid + ')');
    } catch {}
  }
  const children = killed.length === 0 ? '' : 'child process' + (killed.length > 1 ? 'es ' : ' ') + killed.join(', ') + ', then ';
  try { writeSync(2, blocked + ': watchdog kills ' + children + 'the process (SIGKILL)\\n'); } catch {}
  process.kill(process.pid, 'SIGKILL');
};
fire();
`;

// The watchdog waits this long past the budget, for the main thread's own exit to win when it can.
const WATCHDOG_GRACE = 100;

/**
 * Kills `children` that are still running, then the process, with SIGKILL a little after
 * `budget` ms, from a worker thread, unless the process has ended first: the only way out of an
 * event loop that a synchronous hook keeps blocked.
 */
export function startWatchdog(budget: number, children: WatchedChildren): void {
  const { Worker } = builtin('node:worker_threads');
  const delay = budget + WATCHDOG_GRACE;
  const blocked = `lastcall: the event loop was still blocked ${WATCHDOG_GRACE} ms after the budget of ${ms(budget)}`;
  // A wall-clock instant, not a delay: the thread takes some milliseconds to boot.
  const worker = new Worker(WATCHDOG_SOURCE, { eval: true, workerData: { at: Date.now() + delay, blocked, ...children } });
  worker.unref();
}
