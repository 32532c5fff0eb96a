import type { HookReport } from '../report/report.js';
import type { Phase } from './phases.js';

/** The hooks of the phase that is running now; hooks registered late join it. */
export class ActivePhase {
  readonly phase: Phase;
  readonly start = performance.now();
  readonly results: HookReport[] = [];
  done: Promise<void>;
  closed = false;
  #pending = 0;
  #resolve!: () => void;
  #waiters: { left: number; resolve: () => void }[] = [];
  readonly #running = new Map<number, string>();

  constructor(phase: Phase) {
    this.phase = phase;
    this.done = new Promise((resolve) => (this.#resolve = resolve));
  }

  /** The names of the hooks that have not settled yet. */
  get running(): string[] {
    return [...this.#running.values()];
  }

  /** Takes the report's slot before `start` runs any hook code, which may register more hooks. */
  add(name: string, start: () => Promise<HookReport>): void {
    const slot = this.results.length++;
    this.#pending++;
    this.#running.set(slot, name);
    void start().then((report) => {
      this.#running.delete(slot);
      this.results[slot] = report;
      this.#pending--;
      for (const waiter of this.#waiters) if (this.#pending <= waiter.left) waiter.resolve();
      this.#waiters = this.#waiters.filter((waiter) => this.#pending > waiter.left);
      if (this.#pending === 0) this.close();
    });
  }

  /** Resolves once at most `left` of the phase's hooks are still running. */
  until(left: number): Promise<void> {
    if (this.#pending <= left) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push({ left, resolve }));
  }

  /** Takes the hooks registered while the phase was closing, before it ends. */
  reopen(): void {
    this.closed = false;
    this.done = new Promise((resolve) => (this.#resolve = resolve));
  }

  /** Ends the phase once no hook is pending; `done` then resolves. */
  close(): void {
    if (this.#pending > 0 || this.closed) return;
    this.closed = true;
    this.#resolve();
  }
}
