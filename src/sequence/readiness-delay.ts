import type { Arrivals } from '../http/arrivals.js';
import type { Log } from '../report/log.js';
import { ms } from '../report/ms.js';
import { afterPoll } from '../runtime/after-poll.js';
import { atInstant, settledBy } from './deadline.js';
import { onAbort } from './on-abort.js';

/** `readinessDelay`: a fixed number of ms, or until the arrivals have evidently stopped. */
export type ReadinessDelay = number | { readonly max: number; readonly min?: number };

/** How the readiness delay went. */
export interface ReadinessDelayReport {
  /** Milliseconds from the trigger to its end. */
  readonly duration: number;
  /** Requests that arrived during it (the readiness handler's own excepted). */
  readonly requests: number;
  /**
   * `quiet`: no request came for long enough to be evidence that the load balancers stopped
   * sending; `max`: it ran to its end (a fixed delay always does); `signal`: a second signal cut it.
   */
  readonly endedBy: 'quiet' | 'max' | 'signal';
}

// A silence that the rate before the trigger would leave by chance less than once in a thousand:
// gaps of a Poisson stream exceed 7 means with probability e^-7.
const MEAN_GAPS = 7;
// Measured through HAProxy on a loaded 2-core machine, the path to an instance stalls now and
// then for 30-190 ms with no request at all: a busy service must not take one for the end.
const LONGEST_GAPS = 2;
const FLOOR = 100;

/**
 * Keeps serving (readiness 503, `Connection: close`) after the trigger while load balancers take
 * the instance out; a forced exit ends it at once. Resolves to its report, whose end is when the
 * budget of the phases starts; undefined without a delay.
 */
export async function readinessDelay(delay: ReadinessDelay, triggeredAt: number, arrivals: Arrivals, forced: AbortSignal, log: Log): Promise<ReadinessDelayReport | undefined> {
  if (delay === 0) return undefined;
  const before = arrivals.count;
  const force = new Promise<'signal'>((resolve) => onAbort(forced, () => resolve('signal')));
  let endedBy: ReadinessDelayReport['endedBy'];
  if (typeof delay === 'number') {
    log.info(`readiness is 503: serving for ${ms(delay)} more before stopping intake`);
    await settledBy(force, triggeredAt + delay);
    endedBy = forced.aborted ? 'signal' : 'max';
  } else {
    const quiet = quietFor(arrivals, triggeredAt);
    log.info(`readiness is 503: serving until no request has come for ${Number.isFinite(quiet) ? ms(quiet) : 'the whole delay'}, ${ms(delay.min ?? 0)} to ${ms(delay.max)}`);
    endedBy = await Promise.race([force, untilQuiet(arrivals, triggeredAt + (delay.min ?? 0), triggeredAt + delay.max, quiet, triggeredAt)]);
  }
  const report = { duration: performance.now() - triggeredAt, requests: arrivals.count - before, endedBy };
  log.info(`readiness delay over after ${ms(report.duration)} (${endedBy}), ${report.requests} request(s) arrived during it`);
  return report;
}

/** How long a silence is evidence that the senders have stopped, from the rate before the trigger. */
export function quietFor(arrivals: Arrivals, triggeredAt: number): number {
  const rate = arrivals.rateBefore(triggeredAt);
  return Math.max(FLOOR, MEAN_GAPS * rate.meanGap, LONGEST_GAPS * rate.longestGap);
}

/**
 * Resolves `quiet` once no request has arrived for `quiet` ms (counted from the trigger at the
 * earliest: the senders need that long to see the 503), after `minEnd`; or `max` at `maxEnd`.
 */
function untilQuiet(arrivals: Arrivals, minEnd: number, maxEnd: number, quiet: number, triggeredAt: number): Promise<'quiet' | 'max'> {
  // When the silence since the last request (or the trigger) will have lasted `quiet`.
  const quietAt = (): number => Math.max(arrivals.last(), triggeredAt) + quiet;
  return new Promise((resolve) => {
    const schedule = (): void => {
      const due = Math.max(minEnd, quietAt());
      if (due >= maxEnd) return void atInstant(maxEnd, () => resolve('max'));
      // Judged after a prompt poll of the loop: a timer fires before the loop reads what came in
      // while it waited its turn (a busy loop held it up), and a request read then is a request that came.
      atInstant(due, () => afterPoll(() => (quietAt() > performance.now() ? schedule() : resolve('quiet')), true));
    };
    schedule();
  });
}
