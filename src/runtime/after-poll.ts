// How late a poll may come round and still count as prompt: later, the loop was busy, and what
// arrived meanwhile may not have been read yet.
const POLL_LAG = 10;
// How many polls a prompt one is waited for: on a loop that is busy every turn, none comes, and
// waiting on would hold what waits (an idle socket's close) until its deadline.
const POLL_TRIES = 3;

/**
 * Calls `fn` after the loop has polled for I/O: a timer can fire before the loop has read what
 * arrived while it was busy (a long synchronous handler, a starved CPU), so a request on the
 * wire is not seen yet. With `promptly`, once such a poll came round within POLL_LAG, so that on
 * a loaded loop it was a poll of everything that had arrived; or after POLL_TRIES polls.
 */
export function afterPoll(fn: () => void, promptly: boolean): void {
  pollThen(fn, promptly ? POLL_TRIES : 1);
}

function pollThen(fn: () => void, tries: number): void {
  // Asked from an I/O callback, a timer of 0 fires in the loop's next timers phase, which comes
  // before its next poll; one set from a timer callback fires a poll later, on Node, Deno and Bun
  // alike (an immediate does not on Deno, nor always on Bun).
  setTimeout(() => {
    const askedAt = performance.now();
    setTimeout(() => (tries > 1 && performance.now() - askedAt > POLL_LAG ? pollThen(fn, tries - 1) : fn()), 0);
  }, 0);
}
