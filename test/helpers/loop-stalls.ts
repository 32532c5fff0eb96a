/**
 * Event-loop stalls, for the randomized tests' timing checks. While any case runs, a 1 ms
 * interval records how late it ticks. A stall (GC, another process taking the CPU, many cases'
 * callbacks in one turn) delays the code under test's timers as it delays this one. Every wait
 * of a run ends at an absolute instant (a phase's cap, a drain's deadline, the end less the exit
 * reserve), so stalls before an instant do not make the run late for it: what can is the stall
 * time after it. The timing checks allow for exactly that.
 */
export interface Tick {
  readonly at: number;
  readonly late: number;
}

const ticks: Tick[] = [];
let monitors = 0;
let monitor: NodeJS.Timeout | undefined;
let lastTick = 0;
const TICK = 1;

/** Starts measuring, or counts one more user of the measure already running. */
export function startStallMonitor(): void {
  if (monitors++ > 0) return;
  lastTick = performance.now();
  monitor = setInterval(() => {
    const now = performance.now();
    // Every bit counts: a busy loop turning every 1.4 ms holds each timer up a little, many times.
    // (Idle, this sums to about a tenth of the time: the interval's own period is nearer 1.1 ms.)
    ticks.push({ at: now, late: Math.max(0, now - lastTick - TICK) });
    lastTick = now;
    // About the last 8 s: a case asks about its own second or two, just after it.
    if (ticks.length > 12_000) ticks.splice(0, ticks.length - 8_000);
  }, TICK);
}

/** Stops measuring once its last user is done. */
export function stopStallMonitor(): void {
  if (--monitors > 0) return;
  clearInterval(monitor);
  ticks.length = 0;
}

/**
 * Stall time, in ms, of the stalls that ended after `from` and by `to`, and of the one under way
 * at `to`: the tick that ends it comes after `to` (a long turn of the loop that ran the event at
 * `to` holds up the tick that measures it, maybe until the turn's end).
 */
export function stalled(from: number, to: number): number {
  let sum = 0;
  let after: number | undefined;
  for (let i = ticks.length - 1; i >= 0 && ticks[i]!.at >= from; i--) {
    if (ticks[i]!.at <= to) sum += ticks[i]!.late;
    else after = ticks[i]!.late;
  }
  return sum + (after ?? 0);
}

/** The ticks measured from `from` to `to`, for a failure's timeline. */
export function ticksBetween(from: number, to: number): Tick[] {
  return ticks.filter((tick) => tick.at >= from && tick.at <= to);
}

/** Resolves once the monitor has ticked after `instant`, so that a stall under way then is measured. */
export async function tickAfter(instant: number): Promise<void> {
  // A tick comes every millisecond or so while the monitor runs; 10 s is far past any stall.
  for (const end = performance.now() + 10_000; lastTick <= instant && performance.now() < end; ) await new Promise((resolve) => setTimeout(resolve, 1));
}
