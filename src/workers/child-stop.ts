import type { ChildProcess } from 'node:child_process';
import type { Log } from '../report/log.js';
import { onProcessEvent } from '../triggers/process-listeners.js';
import { signalNumber } from '../triggers/signal-number.js';
import { stopFailure } from './stop-failure.js';

/**
 * How a child process ended: `exited` on its own or on the signal that asked it to stop,
 * `killed` by lastcall's SIGKILL (at its deadline, at a forced exit, or as the parent exited),
 * `running` when the report was made before its end.
 */
export type ChildOutcome = 'exited' | 'killed' | 'running';

/** One child process given to `addChild()`. */
export interface ChildReport {
  readonly name: string;
  readonly pid: number | undefined;
  readonly outcome: ChildOutcome;
  /** Its exit code, when it exited; null when a signal ended it, or until it has ended. */
  readonly exitCode: number | null;
  /** The signal that ended it, if one did. */
  readonly signal: NodeJS.Signals | null;
}

/** A child process from `addChild()` until its end: sent its signal, awaited, killed at the deadline. */
export class ChildStop {
  readonly name: string;
  /** Resolves once the child has ended (and been reaped: its pid is free). */
  readonly exited: Promise<void>;
  readonly #child: ChildProcess;
  readonly #signal: NodeJS.Signals;
  readonly #log: Log;
  readonly #removeGuard: () => void;
  #asked = false;
  #killed = false;

  constructor(child: ChildProcess, name: string, signal: NodeJS.Signals, log: Log) {
    this.#child = child;
    this.name = name;
    this.#signal = signal;
    this.#log = log;
    // Whatever ends this process while the child runs (a process.exit() anywhere, the budget's
    // last resort, the end of the event loop with an unref'd child), the child goes too. 'exit'
    // listeners run synchronously, and kill() is a synchronous system call.
    this.#removeGuard = onProcessEvent('exit', () => this.kill('before this process exited'));
    this.exited = new Promise<void>((resolve) => {
      if (this.#ended) return resolve();
      child.once('exit', () => resolve());
    }).then(this.#removeGuard);
  }

  get #ended(): boolean {
    return this.#child.exitCode !== null || this.#child.signalCode !== null;
  }

  /** True once lastcall has sent the child its signal or killed it: the report and the exit wait for it. */
  get stopping(): boolean {
    return this.#asked || this.#killed;
  }

  /**
   * The hook: sends the child its signal and waits for its exit; at `signal` (the hook's
   * deadline), kills it. Rejects when the child ended otherwise than with 0, on that signal, or
   * with 128 + its number.
   */
  async stop(signal: AbortSignal): Promise<void> {
    if (!this.#ended) {
      this.#asked = true;
      killByPid(this.#child, this.#signal);
      signal.addEventListener('abort', () => this.kill('within its deadline'), { once: true });
      await this.exited;
    }
    if (this.#killed) return;
    const { exitCode, signalCode } = this.#child;
    // 128 + n is how a program that handles the signal says it ended on it (Java, a shell's trap).
    const onRequest = signalCode === this.#signal || exitCode === 0 || exitCode === 128 + signalNumber(this.#signal)!;
    if (!onRequest) throw stopFailure(`child "${this.name}" ${this.#describeEnd()}`);
    this.#log.info(`child "${this.name}" ${this.#describeEnd()}`);
  }

  /** Sends SIGKILL now, unless the child has ended; `why` completes "did not exit …" in the log. */
  kill(why: string): void {
    if (this.#ended || this.#killed) return;
    this.#killed = true;
    this.#log.warn(`child "${this.name}" (pid ${this.#child.pid}) did not exit ${why}: SIGKILL`);
    killByPid(this.#child, 'SIGKILL');
  }

  /** No longer ends the child with this process: it is the application's again. */
  detach(): void {
    this.#removeGuard();
  }

  report(): ChildReport {
    const { pid, exitCode, signalCode } = this.#child;
    const outcome = this.#killed ? 'killed' : this.#ended ? 'exited' : 'running';
    return { name: this.name, pid, outcome, exitCode, signal: signalCode };
  }

  #describeEnd(): string {
    const { pid, exitCode, signalCode } = this.#child;
    return `(pid ${pid}) ${signalCode === null ? `exited with code ${exitCode}` : `ended on ${signalCode}`}`;
  }
}

/**
 * Signals the child by its pid: Deno's `child.kill()` sends only the first signal it is asked
 * for, so the SIGKILL after a SIGTERM never left. Called only while the child has not ended, so
 * not been reaped, and its pid is still its own; a child ending meanwhile is no error.
 */
function killByPid(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(child.pid, signal);
  } catch {}
}
