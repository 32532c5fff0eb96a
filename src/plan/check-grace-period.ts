import type { Log } from '../report/log.js';
import { ms } from '../report/ms.js';
import { DEFAULT_TIMEOUT } from '../options/coordinator-options.js';
import type { Platform } from './platform.js';

interface Plan {
  readonly timeout: number;
  readonly readinessDelay: number;
  /** `options.gracePeriod`, when given. */
  readonly gracePeriod: number | undefined;
  readonly platform: Platform | undefined;
}

/** What the platform's SIGKILL must leave, past the budget: an event loop that lags, the exit itself. */
export function marginFor(gracePeriod: number): number {
  return Math.min(2_000, Math.max(500, gracePeriod * 0.1));
}

/**
 * Says, before it is needed, whether the shutdown fits the time the platform gives it: one info
 * line naming the grace period and where it came from, or one warning naming every number.
 */
export function checkGracePeriod(log: Log, plan: Plan): void {
  const grace = plan.gracePeriod ?? plan.platform?.gracePeriod;
  if (grace === undefined) return;
  const source =
    plan.gracePeriod !== undefined
      ? 'options.gracePeriod'
      : `${plan.platform!.name}${plan.platform!.assumed ? ', assumed: set options.gracePeriod if yours differs' : ''}`;
  const needed = plan.timeout + plan.readinessDelay;
  const margin = marginFor(grace);
  if (needed + margin <= grace) return log.info(`grace period ${ms(grace)} (${source}); the shutdown needs at most ${ms(needed)}`);
  const timeout = `timeout ${ms(plan.timeout)}${plan.timeout === DEFAULT_TIMEOUT ? ' (the default)' : ''}`;
  const delay = plan.readinessDelay > 0 ? ` + readinessDelay ${ms(plan.readinessDelay)}` : '';
  log.warn(
    `the shutdown may be killed before it ends: ${timeout}${delay} does not fit in a grace period of ${ms(grace)} (${source}) with a margin of ${ms(margin)}; lower timeout, or raise the grace period`,
  );
}
