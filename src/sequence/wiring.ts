import type { Arrivals } from '../http/arrivals.js';
import type { Log } from '../report/log.js';
import type { Hook } from './run-hook.js';

/** What a feature that adds hooks (a server, the cluster, workers) needs from its coordinator. */
export interface Wiring {
  readonly log: Log;
  /** `coordinator.register()`: adds a hook; returns its removal. */
  readonly register: (hook: Hook) => () => void;
  /** Calls `fn` at the trigger (or now, if it has come); returns its removal. */
  readonly atTrigger: (fn: () => void) => () => void;
  /** Aborts at the trigger. */
  readonly stopping: AbortSignal;
  /** Where servers note their requests, when a readiness delay needs them. */
  readonly arrivals: Arrivals | undefined;
}
