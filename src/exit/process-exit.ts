import type { Log } from '../report/log.js';
import { ms } from '../report/ms.js';
import { atInstant, settledBy } from '../sequence/deadline.js';
import { describeActiveResources } from './active-resources.js';
import { exitProcess } from './exit-process.js';
import { flushOutput } from './flush-output.js';

/** One coordinator's part in the process's single exit. */
export interface ExitMember {
  /** Starts its shutdown if it has none, and resolves with its exit code once its report is made. */
  readonly finish: () => Promise<number>;
  /** The instant (`performance.now()`) its run ends by at the latest; undefined before its trigger. */
  readonly endsBy: () => number | undefined;
  readonly log: Log;
  /** Resolves once its hand-backs (nack, requeue) are done and the workers and children it ended by force are gone. */
  readonly handingBack: () => Promise<void>;
}

// Every coordinator of the process (an application's and a library's): the process ends once,
// after every one of them has run, so one that finishes first cannot cut the others' hooks.
const members = new Set<ExitMember>();
let exiting = false;

/** Adds a coordinator to the process's exit; returns its removal (for `uninstall()`). */
export function joinExit(member: ExitMember): () => void {
  members.add(member);
  return () => void members.delete(member);
}

/**
 * Ends the process with `code` (or the first other non-zero code) once every coordinator has run
 * (those not yet triggered are asked to, since the process is ending), output is flushed and
 * hand-backs are done, or at `limit`. Whoever awaits `shutdown()` sees the report first.
 */
export async function exitTogether(self: ExitMember, code: number, limit: number): Promise<void> {
  const codes = await Promise.all([...members].filter((member) => member !== self).map((member) => member.finish()));
  if (exiting) return;
  exiting = true;
  const all = [...new Set([self, ...members])];
  const until = Math.max(limit, ...all.map((member) => member.endsBy() ?? 0));
  await exitAfter(all, [code, ...codes].find((each) => each !== 0) ?? 0, until);
}

/** A forced exit (a repeated signal): this coordinator's hand-backs and output, then the exit, waiting for no one else. */
export async function exitNow(self: ExitMember, code: number, until: number): Promise<void> {
  exiting = true;
  await exitAfter([self], code, until);
}

/** Ends the process with `code` once `ending`'s hand-backs are done and their output flushed, or at `until`. */
async function exitAfter(ending: readonly ExitMember[], code: number, until: number): Promise<void> {
  // A tick runs once the microtask queue, and every continuation of the run's promise in it,
  // has drained. Not a macrotask: after thousands of closed connections the next loop turn holds
  // Node's deferred parser closes (one setImmediate per connection past its free list), 15 ms at 10,000.
  await new Promise((resolve) => process.nextTick(resolve));
  // Hand-backs first: their log lines must be in what is flushed.
  await settledBy(Promise.all(ending.map((member) => member.handingBack())), until);
  await flushOutput(ending.map((member) => member.log), until);
  exitProcess(code);
}

/**
 * The last resort at the end of a coordinator's budget: says what is still alive if its run has
 * not ended, and exits; later, if another coordinator's run is still within its own budget.
 */
export function exitAtBudget(self: ExitMember, timeout: number, code: number, unfinished: boolean): void {
  const later = Math.max(0, ...[...members].filter((member) => member !== self).map((member) => member.endsBy() ?? 0));
  if (later > performance.now() + 1) return void atInstant(later, () => exitAtBudget(self, timeout, code, unfinished), { unref: true });
  if (unfinished) self.log.error(`budget of ${ms(timeout)} spent before the shutdown finished: exiting with code ${code}; still alive: ${describeActiveResources()}`);
  exitProcess(code);
}
