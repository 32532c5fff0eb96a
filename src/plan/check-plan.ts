import { longestDelay, type ResolvedOptions } from '../options/coordinator-options.js';
import type { Log } from '../report/log.js';
import { isWorkerThread } from '../workers/parent-thread.js';
import { checkGracePeriod } from './check-grace-period.js';
import { listenerCheck } from './competing-listeners.js';
import { warnIfSignalsAreNotForwarded } from './package-manager.js';
import { detectPlatform } from './platform.js';

/**
 * Checks the plan at construction, before it is needed: whether the budget fits the platform's
 * grace period, and whether signals can reach this process (never, in a worker thread). Returns
 * the check of competing listeners, for `start()` and the trigger.
 */
export function checkPlan(log: Log, options: ResolvedOptions): (when: string) => void {
  const { signals, handleErrors, timeout, readinessDelay, gracePeriod } = options;
  const errors = handleErrors ? ['uncaughtException', 'unhandledRejection'] : [];
  // A worker thread's time is its parent's to give, and signals never reach it.
  if (isWorkerThread()) {
    if (signals.length > 0) log.warn(`options.signals (${signals.join(', ')}) never reach a worker thread: its trigger is the parent's addWorker() request, or a shutdown() call`);
    return listenerCheck(log, errors);
  }
  checkGracePeriod(log, { timeout, readinessDelay: longestDelay(readinessDelay), gracePeriod, platform: detectPlatform() });
  warnIfSignalsAreNotForwarded(log);
  return listenerCheck(log, [...signals, ...errors]);
}
