export { ShutdownCoordinator, type CoordinatorState, type ShutdownOptions } from './coordinator.js';
export { PHASES, type Phase } from './phases.js';
export type { Hook, HookContext } from './hook.js';
export type { ShutdownCoordinatorOptions } from './options.js';
export type { ExitCodes } from './exit-code.js';
export type { Logger } from './log.js';
export type { ShutdownTrigger } from './trigger.js';
export {
  formatReport,
  type FatalErrorReport,
  type HookOutcome,
  type HookReport,
  type PhaseOutcome,
  type PhaseReport,
  type ShutdownOutcome,
  type ShutdownReport,
} from './report.js';
export type { AbandonedTaskReport, AbandonOutcome, RejectedTaskReport, TaskOptions, TasksReport } from './tasks.js';
export type { AddClusterOptions } from './cluster.js';
export { type AddServerOptions, type DrainableServer, type ServerReport } from './server-drain.js';
export { CHANNELS, type ShutdownEvents, type StartEvent } from './events.js';
export { LastcallError, type LastcallErrorCode } from './errors.js';
