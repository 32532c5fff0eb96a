import { onPrimaryAsks } from '../cluster/worker.js';
import type { FatalErrorReport } from '../report/report.js';
import { onParentAsks } from '../workers/parent-thread.js';
import { onPm2Shutdown } from './pm2.js';
import { onProcessEvent } from './process-listeners.js';

interface TriggerListeners {
  readonly signals: readonly NodeJS.Signals[];
  readonly handleErrors: boolean;
  readonly onSignal: (signal: NodeJS.Signals) => void;
  readonly onFatal: (error: unknown, origin: FatalErrorReport['origin']) => void;
  readonly onPrimaryAsks: () => void;
  readonly onPm2Shutdown: () => void;
  readonly onParentAsks: () => void;
}

/** Starts listening for every trigger that comes from outside the code: returns the removals. */
export function listenForTriggers(triggers: TriggerListeners): (() => void)[] {
  const { signals, handleErrors, onSignal, onFatal } = triggers;
  const removals = signals.map((signal) => onProcessEvent(signal, () => onSignal(signal)));
  // In a cluster worker, the primary's request is a trigger like a signal; so are PM2's message
  // and, in a worker thread, the parent's request.
  for (const removal of [onPrimaryAsks(triggers.onPrimaryAsks), onPm2Shutdown(triggers.onPm2Shutdown), onParentAsks(triggers.onParentAsks)]) {
    if (removal !== undefined) removals.push(removal);
  }
  if (handleErrors) {
    // Both, so a rejection starts the shutdown even when another library listens for
    // 'unhandledRejection' (which stops Node's own crash) or Node runs with --unhandled-rejections=warn.
    removals.push(
      onProcessEvent('uncaughtException', (error: unknown, origin: FatalErrorReport['origin']) => onFatal(error, origin)),
      onProcessEvent('unhandledRejection', (reason: unknown) => onFatal(reason, 'unhandledRejection')),
    );
  }
  return removals;
}
