import { describeError } from '../report/describe-error.js';
import type { Log } from '../report/log.js';
import { ms } from '../report/ms.js';
import { LastcallError } from '../options/errors.js';
import { runAs } from '../sequence/caller.js';
import { atInstant, settledBy } from '../sequence/deadline.js';
import { callOnAbandon, type AbandonOutcomeReport } from './call-on-abandon.js';

/** Options of `track()` and `run()`. */
export interface TaskOptions {
  /** Names the task in the log and the report. Default `task <n>`, numbered in the order tasks are handed over. */
  readonly name?: string;
  /**
   * Hands the work back when the drain gives up on it (nack a message, requeue a job,
   * save a checkpoint). Runs at most once, within a slice of the budget kept for it.
   */
  readonly onAbandon?: () => unknown;
}

/** How a task's `onAbandon` ended: `none` when it had none. */
export type AbandonOutcome = 'ok' | 'error' | 'timeout' | 'none';

/** A task still running at the drain deadline (or at a forced exit), and handed back. */
export interface AbandonedTaskReport {
  readonly name: string;
  /** Milliseconds since the task was tracked, when it was abandoned. */
  readonly age: number;
  readonly onAbandon: AbandonOutcome;
  /** What `onAbandon` threw, when it did. */
  readonly error?: unknown;
  /** Where the task was tracked, with the `taskStacks` option. */
  readonly stack?: string;
}

/** A task that rejected during the shutdown: the application's failure, recorded, not the shutdown's. */
export interface RejectedTaskReport {
  readonly name: string;
  readonly error: unknown;
}

/** The in-flight work the shutdown met. */
export interface TasksReport {
  /** Tasks that settled between the trigger and the end of the drain. */
  readonly finished: number;
  readonly rejected: readonly RejectedTaskReport[];
  readonly abandoned: readonly AbandonedTaskReport[];
  /** Tasks that called `shutdown()` themselves and so were not waited for. */
  readonly released: readonly string[];
}

interface Task {
  /** `options.name`, or the task's number: "task <n>" is spelled out only when a log or a report needs it. */
  readonly name: string | number;
  readonly started: number;
  readonly onAbandon: (() => unknown) | undefined;
  readonly controller: AbortController | undefined;
  readonly stack: string | undefined;
}

const ABANDON_BATCH = 1_000;
// µs to hand one task back, measured on a loaded 2-core machine: aborting a run() task's signal
// (an event dispatched) cost 12-15 µs, a track() task's onAbandon and report about 3 µs.
const RUN_HAND_BACK = 20;
const TRACK_HAND_BACK = 5;
const LOGGED_ABANDONED = 10;

/** The set of in-flight tasks. A settled task leaves it at once, so memory does not grow with the count. */
export class Tasks {
  readonly #tasks = new Set<Task>();
  readonly #log: Log;
  #counter = 0;
  /** How many tasks in the set came from run(), with a signal to abort. */
  #runs = 0;
  #stopping = false;
  /** Once the drain has ended, work handed over is refused: handed back at once. */
  #closed = false;
  /** How long a refused task's `onAbandon` may take: the budget's abandon reserve, once the drain sets it. */
  #refusalTime = 0;
  #handingBack: Promise<void> = Promise.resolve();
  #whenEmpty: (() => void) | undefined;
  #finished = 0;
  readonly #rejected: RejectedTaskReport[] = [];
  readonly #abandoned: AbandonedTaskReport[] = [];
  readonly #released: string[] = [];

  constructor(log: Log) {
    this.#log = log;
  }

  get size(): number {
    return this.#tasks.size;
  }

  /** Every hand-back (`onAbandon`) under way: the report and the exit wait for them. */
  get handingBack(): Promise<void> {
    return this.#handingBack;
  }

  /** From the trigger on, settled tasks are counted and rejections recorded. */
  markStopping(): void {
    this.#stopping = true;
  }

  /** Tracks work already under way; after the drain, refuses it. */
  add(promise: PromiseLike<unknown>, options: TaskOptions, stack: string | undefined): void {
    if (this.#closed) return void this.#refuse(options, stack);
    const task = this.#create(options, undefined, stack);
    this.#tasks.add(task);
    this.#watch(task, promise);
  }

  /**
   * Starts `fn(signal)` as a task, inside a caller context of `owner`: if it calls
   * `shutdown()`, even synchronously, the drain stops waiting for it (it waits for the drain).
   */
  start<T>(
    fn: (signal: AbortSignal) => T | PromiseLike<T>,
    options: TaskOptions,
    stack: string | undefined,
    owner: object,
  ): Promise<Awaited<T>> {
    if (this.#closed) {
      const name = this.#refuse(options, stack);
      const refused = Promise.reject(new LastcallError('LASTCALL_ERR_DRAINED', `lastcall: task "${name}" was not started: the drain has ended`));
      // Logged and handed to onAbandon already: a caller that does not await it has not crashed.
      refused.catch(() => {});
      return refused;
    }
    const controller = new AbortController();
    const task = this.#create(options, controller, stack);
    this.#tasks.add(task);
    this.#runs++;
    const promise = new Promise<Awaited<T>>((resolve) => {
      const caller = { owner, release: () => this.#release(task), describe: () => `task "${nameOf(task)}"` };
      resolve(runAs(caller, () => fn(controller.signal)) as Awaited<T>);
    });
    this.#watch(task, promise);
    return promise;
  }

  #release(task: Task): void {
    if (this.#tasks.has(task)) this.#released.push(nameOf(task));
    this.#remove(task);
  }

  /**
   * The drain: waits for every task (tasks added meanwhile included) until `cap`, then refuses
   * new work and abandons the stragglers, whose `onAbandon` may run until `abandonBy`.
   * Resolves, with how many were abandoned, once every hand-back is done.
   */
  async drain(cap: number, abandonBy: number, refusalTime: number): Promise<number> {
    this.#refusalTime = refusalTime;
    // The wait ends early enough for every straggler to be handed back by `abandonBy`: a hundred
    // thousand of them take longer than the slice. As tasks settle, that moment moves later.
    const waitUntil = (): number => cap - Math.max(0, this.#handBackTime() - (abandonBy - cap));
    // A task may start between the set emptying and this continuation running: look again.
    do await this.#waitUntil(waitUntil());
    while (this.#tasks.size > 0 && performance.now() < waitUntil());
    // From here on new work is refused, so nothing can start after the drain has looked.
    this.#closed = true;
    const stragglers = this.#tasks.size;
    if (stragglers > 0) {
      this.#log.warn(`drain deadline reached with ${stragglers} task(s) in flight: abandoning them`);
      this.abandonAll(abandonBy);
    }
    await this.#handingBack;
    return stragglers;
  }

  /**
   * Refuses new work, aborts every remaining task's signal and calls its `onAbandon`, waiting
   * for those callbacks until `instant` at the latest. Each task is abandoned once, then forgotten.
   */
  abandonAll(instant: number): void {
    this.#closed = true;
    const now = performance.now();
    const stragglers = [...this.#tasks];
    this.#tasks.clear();
    this.#runs = 0;
    this.#whenEmpty?.();
    this.#handBack(this.#abandonEach(stragglers, now, instant));
  }

  /** About how long handing every task in flight back takes, in ms: a run() task's signal is the dearer part. */
  #handBackTime(): number {
    return (this.#runs * RUN_HAND_BACK + (this.#tasks.size - this.#runs) * TRACK_HAND_BACK) / 1_000;
  }

  /** Resolves once every task has settled (including tasks added meanwhile) or at `instant`. */
  async #waitUntil(instant: number): Promise<void> {
    if (this.#tasks.size === 0) return;
    await settledBy(new Promise<void>((resolve) => (this.#whenEmpty = resolve)), instant);
    this.#whenEmpty = undefined;
  }

  /** Work handed over after the drain: its `onAbandon` runs at once. Returns the task's name. */
  #refuse(options: TaskOptions, stack: string | undefined): string {
    const task = this.#create(options, undefined, stack);
    const name = nameOf(task);
    this.#log.warn(`task "${name}" handed over after the drain ended: abandoned at once`);
    this.#handBack(this.#abandonEach([task], task.started, performance.now() + this.#refusalTime));
    return name;
  }

  #handBack(abandoning: Promise<unknown>): void {
    this.#handingBack = Promise.all([this.#handingBack, abandoning]).then(() => {});
  }

  /** A snapshot: what happens later does not change a report already handed out. */
  report(): TasksReport {
    return {
      finished: this.#finished,
      rejected: [...this.#rejected],
      abandoned: [...this.#abandoned],
      released: [...this.#released],
    };
  }

  #watch(task: Task, promise: PromiseLike<unknown>): void {
    promise.then(
      () => this.#settle(task),
      (error: unknown) => {
        // A task already abandoned or released rejects as its signal told it to: that is no news.
        if (!this.#settle(task)) return;
        if (this.#stopping) this.#rejected.push({ name: nameOf(task), error });
        this.#log.error(`task "${nameOf(task)}" rejected: ${describeError(error)}`);
      },
    );
  }

  #create(options: TaskOptions, controller: AbortController | undefined, stack: string | undefined): Task {
    return { name: options.name ?? ++this.#counter, started: performance.now(), onAbandon: options.onAbandon, controller, stack };
  }

  #settle(task: Task): boolean {
    if (!this.#tasks.has(task)) return false;
    this.#remove(task);
    if (this.#stopping) this.#finished++;
    return true;
  }

  #remove(task: Task): void {
    if (this.#tasks.delete(task) && task.controller !== undefined) this.#runs--;
    if (this.#tasks.size === 0) this.#whenEmpty?.();
  }

  /**
   * Aborts each task's signal and calls its `onAbandon`, waiting for them until `instant`. One
   * timer for all, and a turn of the loop every batch: 100,000 hand-backs in one synchronous go,
   * each with a timer, held the loop past the end of the budget.
   */
  async #abandonEach(tasks: readonly Task[], now: number, instant: number): Promise<void> {
    let cancel = (): void => {};
    const deadline = new Promise<AbandonOutcomeReport>((resolve) => (cancel = atInstant(instant, () => resolve({ onAbandon: 'timeout' }))));
    const reason = new DOMException('lastcall: the task was abandoned at the drain deadline', 'AbortError');
    const handedBack: Promise<void>[] = [];
    for (let i = 0; i < tasks.length; i++) {
      if (i > 0 && i % ABANDON_BATCH === 0) await new Promise((resolve) => setImmediate(resolve));
      const pending = this.#abandon(tasks[i]!, now, deadline, reason);
      if (pending !== undefined) handedBack.push(pending);
    }
    await Promise.all(handedBack);
    cancel();
    const unlogged = this.#abandoned.length - LOGGED_ABANDONED;
    if (unlogged > 0 && this.#abandoned.length - tasks.length < LOGGED_ABANDONED) {
      this.#log.warn(`and ${unlogged} more task(s) abandoned: the report lists them all`);
    }
  }

  /** Hands one task back; returns a promise only while an asynchronous `onAbandon` runs. */
  #abandon(task: Task, now: number, deadline: Promise<AbandonOutcomeReport>, reason: DOMException): Promise<void> | undefined {
    task.controller?.abort(reason);
    const outcome = callOnAbandon(task.onAbandon, deadline);
    if (!(outcome instanceof Promise)) return void this.#recordAbandoned(task, now, outcome);
    return outcome.then((settled) => this.#recordAbandoned(task, now, settled));
  }

  #recordAbandoned(task: Task, now: number, outcome: AbandonOutcomeReport): void {
    const name = nameOf(task);
    const report: AbandonedTaskReport = { name, age: now - task.started, ...(task.stack === undefined ? {} : { stack: task.stack }), ...outcome };
    // One line per task would be 100,000 lines for 100,000 tasks: the first few, then a count.
    if (this.#abandoned.push(report) > LOGGED_ABANDONED) return;
    const how = report.onAbandon === 'none' ? 'it had no onAbandon' : `onAbandon: ${report.onAbandon}`;
    this.#log.warn(`task "${name}" abandoned, running for ${ms(report.age)} (${how})`);
    if (report.onAbandon === 'error') this.#log.error(`onAbandon of task "${name}" threw: ${describeError(report.error)}`);
  }
}

// One default name everywhere a task is named: the log, a rejection, the report.
function nameOf(task: Task): string {
  return typeof task.name === 'number' ? `task ${task.name}` : task.name;
}
