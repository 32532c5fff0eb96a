export { ShutdownCoordinator, type CoordinatorState } from './coordinator.js';
export type { AddChildOptions, AddWorkerOptions, ShutdownOptions, StartOptions } from './options/call-options.js';
export type { AddClusterOptions } from './cluster/primary.js';
export type { ExitCodes } from './exit/exit-code.js';
export type { AddServerOptions, DrainableServer, ServerReport } from './http/server-drain.js';
export type { ShutdownCoordinatorOptions } from './options/coordinator-options.js';
export { LastcallError, type LastcallErrorCode } from './options/errors.js';
export { CHANNELS, type ShutdownEvents, type StartEvent } from './report/events.js';
export { formatReport } from './report/format-report.js';
export type { Logger } from './report/log.js';
export type {
  FatalErrorReport,
  HookOutcome,
  HookReport,
  PhaseOutcome,
  PhaseReport,
  ShutdownOutcome,
  ShutdownReport,
} from './report/report.js';
export { PHASES, type Phase } from './sequence/phases.js';
export type { ReadinessDelay, ReadinessDelayReport } from './sequence/readiness-delay.js';
export type { Hook, HookContext } from './sequence/run-hook.js';
export type { StartUpContext } from './start/run-start-up.js';
export type { AbandonedTaskReport, AbandonOutcome, RejectedTaskReport, TaskOptions, TasksReport } from './tasks/tasks.js';
export type { ShutdownTrigger } from './triggers/trigger.js';
export type { ChildOutcome, ChildReport } from './workers/child-stop.js';
export type { ThreadShutdownReport } from './workers/thread-messages.js';
export type { WorkerOutcome, WorkerReport } from './workers/worker-stop.js';
