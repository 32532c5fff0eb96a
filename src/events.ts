import { channel } from 'node:diagnostics_channel';
import type { HookReport, PhaseReport, ShutdownReport } from './report.js';
import type { ShutdownTrigger } from './trigger.js';

/** Sent when a shutdown starts, before any hook runs. */
export interface StartEvent {
  readonly trigger: ShutdownTrigger;
  /** Wall-clock time of the trigger, in ms since the epoch. */
  readonly startedAt: number;
  /** The total budget in ms. */
  readonly timeout: number;
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

/** Publishes to tracing tools; only builds the message when someone subscribes. */
export function publish<E extends keyof ShutdownEvents>(coordinator: object, event: E, data: ShutdownEvents[E][0]): void {
  const target = channel(CHANNELS[event]);
  if (target.hasSubscribers) target.publish({ coordinator, data });
}
