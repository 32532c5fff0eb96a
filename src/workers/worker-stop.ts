import type { BroadcastChannel, Worker } from 'node:worker_threads';
import type { Log } from '../report/log.js';
import { ms } from '../report/ms.js';
import { builtin } from '../runtime/builtin.js';
import { stopFailure } from './stop-failure.js';
import { channelName, isThreadMessage, type ThreadMessage, type ThreadShutdownReport } from './thread-messages.js';

/**
 * How a worker thread ended: `exited` on its own (asked, or before it was asked), `terminated` by
 * lastcall at its deadline or at a forced exit, `running` when the report was made before its end.
 */
export type WorkerOutcome = 'exited' | 'terminated' | 'running';

/** One worker thread given to `addWorker()`. */
export interface WorkerReport {
  readonly name: string;
  readonly threadId: number;
  readonly outcome: WorkerOutcome;
  /** The thread's exit code (1 once terminated); null until it has ended. */
  readonly exitCode: number | null;
  /** What the coordinator inside the thread reported, when one ran there. */
  readonly shutdown?: ThreadShutdownReport;
}

/** A worker thread from `addWorker()` until its end: asked to stop, awaited, terminated at the deadline. */
export class WorkerStop {
  readonly name: string;
  readonly threadId: number;
  /** Resolves once the thread has ended. */
  readonly exited: Promise<void>;
  readonly #worker: Worker;
  readonly #log: Log;
  readonly #channel: BroadcastChannel;
  readonly #reported: Promise<void>;
  /** A coordinator listens in the thread: it reports before the thread ends. */
  #listening = false;
  #asked = false;
  #terminated = false;
  #exitCode: number | null = null;
  #shutdown: ThreadShutdownReport | undefined;

  constructor(worker: Worker, name: string, log: Log) {
    this.#worker = worker;
    this.name = name;
    this.threadId = worker.threadId;
    this.#log = log;
    this.#channel = new (builtin('node:worker_threads').BroadcastChannel)(channelName(this.threadId));
    this.#reported = new Promise((resolve) => {
      this.#channel.onmessage = ({ data }: MessageEvent) => this.#onMessage(data, resolve);
    });
    // The worker keeps the process alive while it runs; its channel must not outlast it.
    (this.#channel as unknown as { unref(): void }).unref();
    this.exited = new Promise((resolve) => {
      worker.once('exit', (code: number) => {
        this.#exitCode = code;
        resolve();
      });
    });
  }

  /** True once lastcall has asked the thread to stop or terminated it: the report and the exit wait for it. */
  get stopping(): boolean {
    return this.#asked || this.#terminated;
  }

  /**
   * The hook: asks the thread to stop and waits for its exit; at `signal` (the hook's deadline),
   * terminates it. Rejects when the thread exited with a code other than 0.
   */
  async stop(signal: AbortSignal): Promise<void> {
    const deadline = new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(this.terminate('within its deadline')), { once: true }));
    if (this.#exitCode === null) {
      this.#asked = true;
      this.#post({ lastcall: 'shutdown' });
      await this.exited;
    }
    // The thread posted its report before it ended, so the report is on its way, but the
    // 'exit' event may come first.
    if (this.#listening) await Promise.race([this.#reported, deadline]);
    this.detach();
    if (this.#terminated) return;
    if (this.#exitCode !== 0) throw stopFailure(`worker "${this.name}" ${this.#describeEnd()}`);
    this.#log.info(`worker "${this.name}" ${this.#describeEnd()}`);
  }

  /** Ends the thread now, unless it has ended already; `why` completes "did not exit …" in the log. */
  terminate(why: string): void {
    if (this.#exitCode !== null || this.#terminated) return;
    this.#terminated = true;
    // A thread with no coordinator in it never hears the request: say so, it is the usual cause.
    const unheard = this.#asked && !this.#listening ? ' (no coordinator in the thread answered the request)' : '';
    this.#log.warn(`worker "${this.name}" (thread ${this.threadId}) did not exit ${why}: terminated${unheard}`);
    void this.#worker.terminate();
  }

  /** Stops listening to the thread. */
  detach(): void {
    this.#channel.close();
  }

  report(): WorkerReport {
    const outcome = this.#terminated ? 'terminated' : this.#exitCode === null ? 'running' : 'exited';
    const report = { name: this.name, threadId: this.threadId, outcome, exitCode: this.#exitCode } as const;
    return this.#shutdown === undefined ? report : { ...report, shutdown: this.#shutdown };
  }

  #onMessage(message: unknown, reported: () => void): void {
    if (!isThreadMessage(message)) return;
    if (message.lastcall === 'ready') {
      this.#listening = true;
      // The thread's coordinator was made after the request: ask it again.
      if (this.#asked) this.#post({ lastcall: 'shutdown' });
    } else if (message.lastcall === 'stopping') {
      this.#listening = true;
    } else if (message.lastcall === 'report') {
      this.#shutdown = message.report;
      reported();
    }
  }

  #post(message: ThreadMessage): void {
    this.#channel.postMessage(message);
  }

  #describeEnd(): string {
    const own = this.#shutdown;
    const said = own === undefined ? '' : `; its own shutdown: ${own.outcome} in ${ms(own.duration)}`;
    return `(thread ${this.threadId}) exited with code ${this.#exitCode}${said}`;
  }
}
