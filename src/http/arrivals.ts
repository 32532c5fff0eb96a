// Enough to measure the rate just before a trigger at any load: at 10,000 requests a second the
// newest 1,024 span 100 ms; at a few a second, the 10 s window holds them all.
const CAPACITY = 1_024;
const WINDOW = 10_000;

/** How requests arrived before the trigger: the evidence an adaptive readiness delay goes by. */
export interface ArrivalRate {
  /** Requests in the window before the trigger. */
  readonly count: number;
  /** The mean gap between them, in ms; Infinity with fewer than two. */
  readonly meanGap: number;
  /** The longest gap between them, or from the last one to the trigger, in ms. */
  readonly longestGap: number;
}

/**
 * When requests arrive at the servers given to `addServer()`, on the monotonic clock. The
 * readiness handler's own requests (a load balancer's probes) are taken back out: they keep
 * coming after the instance is out of rotation, and prove nothing about its traffic.
 */
export class Arrivals {
  readonly #at = new Float64Array(CAPACITY);
  readonly #keys: (object | undefined)[] = new Array<object | undefined>(CAPACITY);
  #count = 0;
  #probes = 0;

  /** A request (HTTP/1) or a stream (HTTP/2) has arrived. */
  note(key: object): void {
    const slot = this.#count++ % CAPACITY;
    this.#at[slot] = performance.now();
    this.#keys[slot] = key;
  }

  /** That request was a readiness probe: it does not count. Probes are answered at once, so it is among the newest. */
  unnote(key: object): void {
    for (let i = this.#count - 1; i >= Math.max(0, this.#count - CAPACITY); i--) {
      const slot = i % CAPACITY;
      if (this.#keys[slot] !== key) continue;
      this.#at[slot] = Number.NaN;
      this.#keys[slot] = undefined;
      this.#probes++;
      return;
    }
  }

  /** How many requests have arrived so far, probes taken out. */
  get count(): number {
    return this.#count - this.#probes;
  }

  /** The newest arrival, or -Infinity. */
  last(): number {
    for (let i = this.#count - 1; i >= Math.max(0, this.#count - CAPACITY); i--) {
      const at = this.#at[i % CAPACITY]!;
      if (!Number.isNaN(at)) return at;
    }
    return Number.NEGATIVE_INFINITY;
  }

  /** The rate over the window before `instant`. */
  rateBefore(instant: number): ArrivalRate {
    const times: number[] = [];
    for (let i = Math.max(0, this.#count - CAPACITY); i < this.#count; i++) {
      const at = this.#at[i % CAPACITY]!;
      if (!Number.isNaN(at) && at > instant - WINDOW && at <= instant) times.push(at);
    }
    if (times.length < 2) return { count: times.length, meanGap: Number.POSITIVE_INFINITY, longestGap: Number.POSITIVE_INFINITY };
    let longestGap = instant - times.at(-1)!;
    for (let i = 1; i < times.length; i++) longestGap = Math.max(longestGap, times[i]! - times[i - 1]!);
    return { count: times.length, meanGap: (instant - times[0]!) / times.length, longestGap };
  }
}
