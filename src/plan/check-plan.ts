import { longestDelay, type ResolvedOptions } from '../options/coordinator-options.js';
import type { Log } from '../report/log.js';
import { checkGracePeriod } from './check-grace-period.js';
import { listenerCheck } from './competing-listeners.js';
import { warnIfSignalsAreNotForwarded } from './package-manager.js';
import { detectPlatform } from './platform.js';

/**
 * Checks the plan at construction, before it is needed: whether the budget fits the platform's
 * grace period, and whether signals can reach this process. Returns the check of competing
 * listeners, for `start()` and the trigger.
 */
export function checkPlan(log: Log, options: ResolvedOptions): (when: string) => void {
  const { signals, handleErrors, timeout, readinessDelay, gracePeriod } = options;
  checkGracePeriod(log, { timeout, readinessDelay: longestDelay(readinessDelay), gracePeriod, platform: detectPlatform() });
  warnIfSignalsAreNotForwarded(log);
  return listenerCheck(log, handleErrors ? [...signals, 'uncaughtException', 'unhandledRejection'] : signals);
}
