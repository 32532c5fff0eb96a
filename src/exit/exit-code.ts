import type { ShutdownOutcome } from '../report/report.js';

/** The exit code for each outcome that is not forced (a forced exit uses 128 + the signal's number). */
export interface ExitCodes {
  /** Every hook and task finished after a signal or a `shutdown()` call. Default 0. */
  readonly clean: number;
  /** A hook errored or timed out, or a task was abandoned. Default 1. */
  readonly failed: number;
  /** An uncaught exception or unhandled rejection started the shutdown or happened during it. Default 1. */
  readonly error: number;
  /** The start-up given to `start()` threw, rejected or timed out, and so started the shutdown. Default 1. */
  readonly startUp: number;
}

export const DEFAULT_EXIT_CODES: ExitCodes = { clean: 0, failed: 1, error: 1, startUp: 1 };

export interface RunFacts {
  readonly forcedCode: number | undefined;
  readonly requestedCode: number | undefined;
  readonly errored: boolean;
  readonly startUpFailed: boolean;
  readonly failed: boolean;
}

export function outcomeOf(facts: RunFacts): ShutdownOutcome {
  if (facts.forcedCode !== undefined) return 'forced';
  if (facts.errored) return 'error';
  if (facts.failed || facts.startUpFailed) return 'failed';
  return 'clean';
}

/** A forced exit's code first, then the code asked for in `shutdown()`, then the cause's. */
export function exitCodeOf(facts: RunFacts, codes: ExitCodes): number {
  if (facts.forcedCode !== undefined) return facts.forcedCode;
  if (facts.requestedCode !== undefined) return facts.requestedCode;
  if (facts.errored) return codes.error;
  if (facts.startUpFailed) return codes.startUp;
  return facts.failed ? codes.failed : codes.clean;
}
