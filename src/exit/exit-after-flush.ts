import type { Log } from '../report/log.js';
import { ms } from '../report/ms.js';
import { settledBy } from '../sequence/deadline.js';
import { describeActiveResources } from './active-resources.js';
import { exitProcess } from './exit-process.js';
import { flushOutput } from './flush-output.js';

/**
 * Ends the process with `code` once output is flushed and hand-backs are done, or at `limit`.
 * Whoever awaits `shutdown()` sees the report first.
 */
export async function exitAfterFlush(code: number, log: Log, limit: () => number, handingBack: () => Promise<void>): Promise<void> {
  // A tick runs once the microtask queue, and every continuation of the run's promise in it,
  // has drained. Not a macrotask: after thousands of closed connections the next loop turn holds
  // Node's deferred parser closes (one setImmediate per connection past its free list), 15 ms at 10,000.
  await new Promise((resolve) => process.nextTick(resolve));
  const until = limit();
  await Promise.all([flushOutput(log, until), settledBy(handingBack(), until)]);
  exitProcess(code);
}

/** The last resort at the end of the budget: says what is still alive if the run has not ended, and exits. */
export function exitAtBudget(log: Log, timeout: number, code: number, unfinished: boolean): void {
  if (unfinished) log.error(`budget of ${ms(timeout)} spent before the shutdown finished: exiting with code ${code}; still alive: ${describeActiveResources()}`);
  exitProcess(code);
}
