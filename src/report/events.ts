import type { EventEmitter } from 'node:events';
import { builtin } from '../runtime/builtin.js';
import { describeError } from './describe-error.js';
import type { Log } from './log.js';
import type { HookReport, PhaseReport, ShutdownReport } from './report.js';
import type { ReadinessDelay } from '../sequence/readiness-delay.js';
import type { ShutdownTrigger } from '../triggers/trigger.js';
import { reportToParent } from '../workers/parent-thread.js';

/** Sent when a shutdown starts, before any hook runs. */
export interface StartEvent {
  readonly trigger: ShutdownTrigger;
  /** Wall-clock time of the trigger, in ms since the epoch. */
  readonly startedAt: number;
  /** The budget of the phases in ms, which starts after the readiness delay. */
  readonly timeout: number;
  /** How long it serves on, with readiness 503, before the phases: `options.readinessDelay`. */
  readonly readinessDelay: ReadinessDelay;
}

/**
 * The events of a `ShutdownCoordinator`, each also published on the `node:diagnostics_channel`
 * channel `lastcall:<event>` as `{ coordinator, data }`.
 */
export interface ShutdownEvents {
  start: [event: StartEvent];
  hook: [hook: HookReport];
  phase: [phase: PhaseReport];
  report: [report: ShutdownReport];
}

/** The `node:diagnostics_channel` channel names lastcall publishes on. */
export const CHANNELS = {
  start: 'lastcall:start',
  hook: 'lastcall:hook',
  phase: 'lastcall:phase',
  report: 'lastcall:report',
} as const satisfies Record<keyof ShutdownEvents, string>;

/**
 * Tells the coordinator's listeners, then the channel's subscribers, and, of the report, the
 * parent of a worker thread. Listeners are the application's code: one that throws is logged,
 * and neither breaks the shutdown nor keeps the event from the subscribers.
 */
export function emitEvent<E extends keyof ShutdownEvents>(coordinator: EventEmitter<ShutdownEvents>, log: Log, event: E, data: ShutdownEvents[E][0]): void {
  try {
    (coordinator.emit as (event: E, data: ShutdownEvents[E][0]) => boolean)(event, data);
  } catch (error) {
    log.error(`a "${event}" listener threw: ${describeError(error)}`);
  }
  // Only builds the message when someone subscribes. A subscriber that throws is Node's to
  // report (as an uncaught exception on the next tick); it does not reach this call.
  const target = builtin('node:diagnostics_channel').channel(CHANNELS[event]);
  if (target.hasSubscribers) target.publish({ coordinator, data });
  if (event === 'report') reportToParent(data as ShutdownReport);
}
