import { LastcallError } from '../options/errors.js';
import { atInstant } from '../sequence/deadline.js';

/** What a start-up function receives. */
export interface StartUpContext {
  /** Aborts at the start-up's timeout, or when a shutdown starts first. Pass it to what it awaits. */
  readonly signal: AbortSignal;
}

/** How a start-up ended: ready, failed (it threw, rejected or timed out), or overtaken by a shutdown. */
export type StartUpOutcome = { readonly kind: 'ready' } | { readonly kind: 'failed'; readonly error: unknown } | { readonly kind: 'stopped' };

/**
 * Runs `fn({ signal })` until it settles, until `timeout` ms have passed, or until `stopping`
 * aborts, whichever comes first; never rejects. A shutdown that comes first wins over whatever
 * `fn` does afterwards: its rejection on the aborted signal is no failure.
 */
export function runStartUp(fn: (context: StartUpContext) => unknown, timeout: number, stopping: AbortSignal): Promise<StartUpOutcome> {
  const controller = new AbortController();
  return new Promise((resolve) => {
    let cancelTimeout = (): void => {};
    const end = (outcome: StartUpOutcome): void => {
      cancelTimeout();
      stopping.removeEventListener('abort', onStopping);
      if (outcome.kind !== 'ready' && !controller.signal.aborted) controller.abort(abortReason(outcome, stopping));
      resolve(outcome);
    };
    const onStopping = (): void => end({ kind: 'stopped' });
    if (stopping.aborted) return onStopping();
    stopping.addEventListener('abort', onStopping, { once: true });
    cancelTimeout = atInstant(performance.now() + timeout, () => {
      const error = new LastcallError('LASTCALL_ERR_START_TIMEOUT', `lastcall: the start-up did not finish within ${timeout} ms`);
      end({ kind: 'failed', error });
    });
    // Once the signal has aborted (timeout, shutdown), how fn ends changes nothing.
    const once = (outcome: StartUpOutcome): void => {
      if (!controller.signal.aborted) end(outcome);
    };
    try {
      Promise.resolve(fn({ signal: controller.signal })).then(
        () => once({ kind: 'ready' }),
        (error: unknown) => once({ kind: 'failed', error }),
      );
    } catch (error) {
      once({ kind: 'failed', error });
    }
  });
}

// As a hook's signal: a TimeoutError at the deadline, an AbortError when a shutdown comes first.
function abortReason(outcome: StartUpOutcome, stopping: AbortSignal): unknown {
  if (outcome.kind === 'stopped') return stopping.reason;
  const timedOut = (outcome as { error?: { code?: unknown } }).error?.code === 'LASTCALL_ERR_START_TIMEOUT';
  return timedOut ? new DOMException('lastcall: the start-up reached its timeout', 'TimeoutError') : new DOMException('lastcall: the start-up failed', 'AbortError');
}
