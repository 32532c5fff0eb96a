// How late a poll may come round and still count as prompt: later, the loop was busy, and what
// arrived meanwhile may not have been read yet.
const POLL_LAG = 10;

/**
 * Calls `fn` after the loop has polled for I/O: a timer can fire before the loop has read what
 * arrived while it was busy (a long synchronous handler, a starved CPU), so a request on the
 * wire is not seen yet. A timer of 0 comes after a poll on Node, Deno and Bun (an immediate does
 * not on Deno, nor always on Bun). With `promptly`, only once such a poll came round within
 * POLL_LAG, so that on a loaded loop it was a poll of everything that had arrived.
 */
export function afterPoll(fn: () => void, promptly: boolean): void {
  const askedAt = performance.now();
  setTimeout(() => (promptly && performance.now() - askedAt > POLL_LAG ? afterPoll(fn, promptly) : fn()), 0);
}
