import { addClusterOptions } from '../options/call-options.js';
import { LastcallError } from '../options/errors.js';
import type { Wiring } from '../sequence/wiring.js';
import { askAllToStop, askLateListeners, isPrimary, tolerateClosedChannels, waitForWorkers } from './primary.js';

/** `addCluster(options)`: asks the workers to stop at the trigger, waits for them in `close-http`. */
export function addCluster(options: unknown, { register, atTrigger, stopping }: Wiring): () => void {
  const { name, timeout } = addClusterOptions(options);
  if (!isPrimary()) throw new LastcallError('LASTCALL_ERR_NOT_PRIMARY', 'lastcall: addCluster() is for the cluster primary; workers follow it on their own');
  const removers = [
    atTrigger(askAllToStop),
    askLateListeners(stopping),
    tolerateClosedChannels(stopping),
    register({ name, phase: 'close-http', timeout, run: ({ signal }) => waitForWorkers(signal) }),
  ];
  return () => {
    for (const each of removers) each();
  };
}
