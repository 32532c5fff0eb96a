import type { ServerReport } from '../http/server-drain.js';
import type { Phase } from '../sequence/phases.js';
import type { ReadinessDelayReport } from '../sequence/readiness-delay.js';
import type { TasksReport } from '../tasks/tasks.js';
import type { ShutdownTrigger } from '../triggers/trigger.js';
import type { ChildReport } from '../workers/child-stop.js';
import type { WorkerReport } from '../workers/worker-stop.js';

/**
 * How a hook ended:
 * - `ok`: it resolved (or returned) before its deadline.
 * - `error`: it threw or rejected; `error` holds what it threw.
 * - `timeout`: its deadline passed first; its `signal` was aborted and the run went on.
 * - `released`: it called `shutdown()` itself, so the run stopped waiting for it.
 * - `aborted`: a repeated signal forced the exit while it was still running.
 */
export type HookOutcome = 'ok' | 'error' | 'timeout' | 'released' | 'aborted';

/** One hook's part in a shutdown. */
export interface HookReport {
  readonly name: string;
  readonly phase: Phase;
  readonly outcome: HookOutcome;
  /** Milliseconds from its start to its outcome. */
  readonly duration: number;
  /** What it threw, when `outcome` is `error`. */
  readonly error?: unknown;
  /** Registered after its phase had started, and so run at once. */
  readonly late: boolean;
}

/** `failed` when any of its hooks errored or timed out; `skipped` when a forced exit jumped over it. */
export type PhaseOutcome = 'ok' | 'failed' | 'skipped';

/** One phase's part in a shutdown. */
export interface PhaseReport {
  readonly name: Phase;
  readonly outcome: PhaseOutcome;
  /** Milliseconds from the phase's start until its last hook's outcome. */
  readonly duration: number;
  readonly hooks: readonly HookReport[];
}

/** An uncaught exception or unhandled rejection that happened during the shutdown. */
export interface FatalErrorReport {
  readonly origin: 'uncaughtException' | 'unhandledRejection';
  readonly error: unknown;
}

/**
 * The shutdown as a whole, which decides the exit code (see `exitCodes`):
 * - `clean`: started by a signal or a call, and every hook and task finished.
 * - `failed`: a hook errored or timed out, a task had to be abandoned, or the start-up failed.
 * - `error`: an uncaught error started it, or happened during it.
 * - `forced`: a repeated signal (or a second fatal error) cut it short.
 */
export type ShutdownOutcome = 'clean' | 'failed' | 'error' | 'forced';

/** What happened, from the trigger to the exit. */
export interface ShutdownReport {
  readonly trigger: ShutdownTrigger;
  /** Wall-clock time of the trigger, in ms since the epoch. */
  readonly startedAt: number;
  /** Milliseconds from the trigger until the report was made, just before the exit. */
  readonly duration: number;
  readonly outcome: ShutdownOutcome;
  readonly exitCode: number;
  /** Every phase in order, including those with no hooks. */
  readonly phases: readonly PhaseReport[];
  readonly errors: readonly FatalErrorReport[];
  /** The in-flight work the drain met: finished, rejected, abandoned, released. */
  readonly tasks: TasksReport;
  /** One entry per server given to `addServer()`: what its drain did with the connections. */
  readonly servers: readonly ServerReport[];
  /** One entry per worker thread given to `addWorker()` and running at the trigger or added after it. */
  readonly workers: readonly WorkerReport[];
  /** One entry per child process given to `addChild()` and running at the trigger or added after it. */
  readonly children: readonly ChildReport[];
  /** How the readiness delay went, when there was one. */
  readonly readinessDelay?: ReadinessDelayReport;
}
