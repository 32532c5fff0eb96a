import type { Log } from '../report/log.js';
import { ms } from '../report/ms.js';
import { phaseCap, type Budget } from './budget.js';
import { settledBy } from './deadline.js';

/**
 * Keeps serving (readiness 503, `Connection: close`) for `delay` ms after the trigger while load
 * balancers take the instance out; a forced exit ends it at once.
 */
export async function readinessDelay(delay: number, budget: Budget, forced: AbortSignal, log: Log): Promise<void> {
  if (delay === 0) return;
  log.info(`readiness is 503: serving for ${ms(delay)} more before stopping intake`);
  const force = new Promise((resolve) => forced.addEventListener('abort', resolve, { once: true }));
  await settledBy(force, Math.min(budget.start + delay, phaseCap(budget, 'stop-intake')));
}
