import { Worker } from 'node:worker_threads';

// Runs on its own thread and event loop, so its timer fires even while the main thread is
// stuck in synchronous code. process.exit() there would end only the thread: SIGKILL ends all.
const WATCHDOG_SOURCE = `
const { workerData } = require('node:worker_threads');
const { writeSync } = require('node:fs');
setTimeout(() => {
  try { writeSync(2, workerData.message); } catch {}
  process.kill(process.pid, 'SIGKILL');
}, Math.max(0, workerData.at - Date.now()));
`;

/**
 * Kills the process with SIGKILL after `delay` ms, from a worker thread, unless the process has
 * ended first. The only way out of an event loop that a synchronous hook keeps blocked.
 * @returns A function that stops the watchdog.
 */
export function startWatchdog(delay: number, message: string): () => void {
  // A wall-clock instant, not a delay: the thread takes some milliseconds to boot.
  const worker = new Worker(WATCHDOG_SOURCE, { eval: true, workerData: { at: Date.now() + delay, message } });
  worker.unref();
  return () => void worker.terminate();
}
