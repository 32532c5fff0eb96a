import type { HookReport } from '../report/report.js';
import type { ActivePhase } from '../sequence/active-phase.js';
import { phaseCap, type Budget } from '../sequence/budget.js';
import { settledBy } from '../sequence/deadline.js';
import type { Tasks } from './tasks.js';

/**
 * The drain phase's own hook: waits for the tracked tasks, then hands the stragglers back. It
 * also waits for the phase's other hooks, since work they track before they end must be awaited too.
 */
export function drainHook(tasks: Tasks, budget: Budget, forced: AbortSignal): { readonly name: string; readonly run: (active: ActivePhase) => Promise<HookReport> } {
  const name = 'in-flight tasks';
  return {
    name,
    async run(active) {
      const start = performance.now();
      const cap = phaseCap(budget, 'drain');
      await settledBy(active.until(1), cap);
      // onAbandon gets the first half of the slice: a hanging nack must not take close-clients' time.
      const stragglers = await tasks.drain(cap, cap + budget.abandonReserve / 2, budget.abandonReserve);
      const outcome = forced.aborted ? 'aborted' : stragglers > 0 ? 'timeout' : 'ok';
      return { name, phase: 'drain', outcome, duration: performance.now() - start, late: false };
    },
  };
}
