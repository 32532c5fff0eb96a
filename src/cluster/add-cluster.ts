import { addClusterOptions } from '../options/call-options.js';
import { LastcallError } from '../options/errors.js';
import type { Hook } from '../sequence/run-hook.js';
import { askAllToStop, isPrimary, waitForWorkers } from './primary.js';

/** What `addCluster()` needs from its coordinator. */
interface Wiring {
  readonly register: (hook: Hook) => () => void;
  /** Calls `fn` at the trigger (or now, if it has come); returns its removal. */
  readonly atTrigger: (fn: () => void) => () => void;
}

/** `addCluster(options)`: asks the workers to stop at the trigger, waits for them in `close-http`. */
export function addCluster(options: unknown, { register, atTrigger }: Wiring): () => void {
  const { name, timeout } = addClusterOptions(options);
  if (!isPrimary()) throw new LastcallError('LASTCALL_ERR_NOT_PRIMARY', 'lastcall: addCluster() is for the cluster primary; workers follow it on their own');
  const removers = [atTrigger(askAllToStop), register({ name, phase: 'close-http', timeout, run: ({ signal }) => waitForWorkers(signal) })];
  return () => {
    for (const each of removers) each();
  };
}
