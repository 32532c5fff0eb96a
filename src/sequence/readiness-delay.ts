import type { Log } from '../report/log.js';
import { ms } from '../report/ms.js';
import { settledBy } from './deadline.js';

/**
 * Keeps serving (readiness 503, `Connection: close`) for `delay` ms after the trigger while load
 * balancers take the instance out; a forced exit ends it at once. Resolves to the instant it
 * ended, when the budget starts: the trigger's own without a delay.
 */
export async function readinessDelay(delay: number, triggeredAt: number, forced: AbortSignal, log: Log): Promise<number> {
  if (delay === 0) return triggeredAt;
  log.info(`readiness is 503: serving for ${ms(delay)} more before stopping intake`);
  const force = new Promise((resolve) => forced.addEventListener('abort', resolve, { once: true }));
  await settledBy(force, triggeredAt + delay);
  return performance.now();
}
