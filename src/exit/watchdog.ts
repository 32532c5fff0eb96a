import { ms } from '../report/ms.js';
import { builtin } from '../runtime/builtin.js';

// Runs on its own thread and event loop, so its timer fires even while the main thread is
// stuck in synchronous code. process.exit() there would end only the thread: SIGKILL ends all.
const WATCHDOG_SOURCE = `
const { workerData } = require('node:worker_threads');
const { writeSync } = require('node:fs');
const fire = () => {
  const left = workerData.at - Date.now();
  // Past setTimeout's limit a delay fires after 1 ms: wait in steps of at most that limit.
  if (left > 0) return void setTimeout(fire, Math.min(left, 2147483647));
  try { writeSync(2, workerData.message); } catch {}
  process.kill(process.pid, 'SIGKILL');
};
fire();
`;

// The watchdog waits this long past the budget, for the main thread's own exit to win when it can.
const WATCHDOG_GRACE = 100;

/**
 * Kills the process with SIGKILL a little after `budget` ms, from a worker thread, unless the
 * process has ended first: the only way out of an event loop that a synchronous hook keeps blocked.
 */
export function startWatchdog(budget: number): void {
  const { Worker } = builtin('node:worker_threads');
  const delay = budget + WATCHDOG_GRACE;
  const message = `lastcall: the event loop was still blocked ${WATCHDOG_GRACE} ms after the budget of ${ms(budget)}: watchdog kills the process (SIGKILL)\n`;
  // A wall-clock instant, not a delay: the thread takes some milliseconds to boot.
  const worker = new Worker(WATCHDOG_SOURCE, { eval: true, workerData: { at: Date.now() + delay, message } });
  worker.unref();
}
