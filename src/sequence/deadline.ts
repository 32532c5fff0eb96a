/** Node's own setTimeout limit: a longer delay fires after 1 ms. */
export const MAX_DELAY = 2_147_483_647;

/**
 * Calls `fn` once `performance.now()` has reached `instant`, never before: Node's timers may
 * fire a millisecond early against the monotonic clock, so an early wake-up re-arms.
 * Returns a function that cancels it.
 */
export function atInstant(instant: number, fn: () => void, options: { unref?: boolean } = {}): () => void {
  let timer: NodeJS.Timeout;
  const arm = (): void => {
    // A delay past the timer's limit would fire after 1 ms: wait the limit, then look again.
    timer = setTimeout(check, Math.min(MAX_DELAY, Math.max(0, Math.ceil(instant - performance.now()))));
    if (options.unref) timer.unref();
  };
  const check = (): void => {
    if (performance.now() >= instant) fn();
    else arm();
  };
  arm();
  return () => clearTimeout(timer);
}

/** Resolves when `promise` settles or at `instant`, whichever is first; never rejects. */
export function settledBy(promise: Promise<unknown>, instant: number): Promise<void> {
  return new Promise((resolve) => {
    const cancel = atInstant(instant, resolve);
    promise.then(
      () => {
        cancel();
        resolve();
      },
      () => {
        cancel();
        resolve();
      },
    );
  });
}
