import { exitCodeOf, outcomeOf, type ExitCodes, type RunFacts } from '../exit/exit-code.js';
import type { ServerReport } from '../http/server-drain.js';
import type { ReadinessDelayReport } from '../sequence/readiness-delay.js';
import type { TasksReport } from '../tasks/tasks.js';
import type { ShutdownTrigger } from '../triggers/trigger.js';
import type { FatalErrorReport, PhaseReport, ShutdownReport } from './report.js';

/** What a run knows when it ends, for its report and its exit code. */
export interface RunRecord {
  readonly trigger: ShutdownTrigger;
  readonly forcedCode: number | undefined;
  readonly requestedCode: number | undefined;
  readonly phases: readonly PhaseReport[];
  readonly errors: readonly FatalErrorReport[];
  readonly tasks: TasksReport;
}

/** The facts that decide the outcome; `overran` when the budget ran out before the report. */
export function factsOf(run: RunRecord, overran: boolean): RunFacts {
  return {
    forcedCode: run.forcedCode,
    requestedCode: run.requestedCode,
    errored: run.trigger.type === 'error' || run.errors.length > 0,
    startUpFailed: run.trigger.type === 'start-up',
    failed: overran || run.phases.some((phase) => phase.outcome === 'failed') || run.tasks.abandoned.length > 0,
  };
}

/** The report of a run that has ended. */
export function buildReport(
  run: RunRecord,
  times: { startedAt: number; duration: number },
  exitCodes: ExitCodes,
  servers: ServerReport[],
  readinessDelay: ReadinessDelayReport | undefined,
  subprocesses: Pick<ShutdownReport, 'workers' | 'children'>,
): ShutdownReport {
  const facts = factsOf(run, false);
  return {
    trigger: run.trigger,
    ...times,
    outcome: outcomeOf(facts),
    exitCode: exitCodeOf(facts, exitCodes),
    phases: run.phases,
    errors: [...run.errors],
    tasks: run.tasks,
    servers,
    ...subprocesses,
    ...(readinessDelay === undefined ? {} : { readinessDelay }),
  };
}
