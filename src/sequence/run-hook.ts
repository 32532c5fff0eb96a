import type { HookOutcome, HookReport } from '../report/report.js';
import type { ShutdownTrigger } from '../triggers/trigger.js';
import { toEpoch } from './budget.js';
import { runAs } from './caller.js';
import { atInstant } from './deadline.js';
import type { Force } from './force.js';
import type { Phase } from './phases.js';

/** What a hook receives when it runs. */
export interface HookContext {
  /** Aborts at the hook's deadline, or when a repeated signal forces the exit. Pass it on. */
  readonly signal: AbortSignal;
  /** What started the shutdown: the same object as the report's `trigger`. */
  readonly trigger: ShutdownTrigger;
  /** When the coordinator stops waiting for this hook, in ms since the epoch (as `Date.now()`). */
  readonly deadline: number;
}

/** A step of the shutdown, registered into one phase. */
export interface Hook {
  /** Names the hook in the log and the report. */
  readonly name: string;
  /** The phase it runs in. */
  readonly phase: Phase;
  /** Milliseconds this hook may take; never more than what is left of the total budget. */
  readonly timeout?: number | undefined;
  /** The step itself; the phase waits for what it returns, until the hook's deadline. */
  readonly run: (context: HookContext) => unknown;
}

export interface HookRun {
  readonly owner: object;
  readonly trigger: ShutdownTrigger;
  /** The latest instant (`performance.now()`) the phase allows. */
  readonly cap: number;
  /** Tells when a repeated signal forces the exit. */
  readonly force: Force;
  readonly late: boolean;
}

/**
 * Runs one hook to its outcome. The promise resolves (never rejects) by the hook's deadline
 * at the latest, whatever the hook does: a hook that never settles costs its slice, no more.
 */
export function runHook(hook: Hook, run: HookRun): Promise<HookReport> {
  const start = performance.now();
  const deadline = hook.timeout === undefined ? run.cap : Math.min(run.cap, start + hook.timeout);
  const controller = new AbortController();

  return new Promise((resolve) => {
    let settled = false;
    let unsubscribe = (): void => {};
    const settle = (outcome: HookOutcome, error?: unknown): void => {
      if (settled) return;
      settled = true;
      cancelDeadline();
      unsubscribe();
      const report: HookReport = {
        name: hook.name,
        phase: hook.phase,
        outcome,
        duration: performance.now() - start,
        late: run.late,
      };
      resolve(outcome === 'error' ? { ...report, error } : report);
    };
    const onForce = (): void => {
      controller.abort(run.force.signal.reason);
      settle('aborted');
    };
    const cancelDeadline = atInstant(deadline, () => {
      controller.abort(new DOMException(`lastcall: hook "${hook.name}" reached its deadline`, 'TimeoutError'));
      settle('timeout');
    });
    if (run.force.signal.aborted) return onForce();
    unsubscribe = run.force.subscribe(onForce);

    const context: HookContext = { signal: controller.signal, trigger: run.trigger, deadline: toEpoch(deadline) };
    try {
      const describe = (): string => `hook "${hook.name}" (${hook.phase})`;
      const result = runAs({ owner: run.owner, release: () => settle('released'), describe }, () => hook.run(context));
      Promise.resolve(result).then(
        // Settling after the deadline (the loop was blocked, so its timer could not fire) is still late.
        () => settle(performance.now() > deadline ? 'timeout' : 'ok'),
        (error: unknown) => settle('error', error),
      );
    } catch (error) {
      settle('error', error);
    }
  });
}
