import type { HookReport, PhaseReport } from '../report/report.js';
import { phaseReport } from '../report/phase-report.js';
import type { ShutdownTrigger } from '../triggers/trigger.js';
import { ActivePhase } from './active-phase.js';
import { phaseCap, type Budget } from './budget.js';
import type { Force } from './force.js';
import { phaseIndex, type Phase } from './phases.js';
import { runHook, type Hook } from './run-hook.js';

/** One shutdown's view of the hooks: what the runner needs from its coordinator. */
export interface PhaseRun {
  /** Who runs the hooks: a `shutdown()` call from inside one releases it. */
  readonly owner: object;
  readonly hooks: ReadonlyMap<Phase, ReadonlySet<Hook>>;
  readonly trigger: ShutdownTrigger;
  readonly budget: Budget;
  readonly force: Force;
  /** Called as each hook ends; `builtIn` for the coordinator's own (the drain's wait for tasks). */
  readonly onHookEnd: (report: HookReport, builtIn: boolean) => void;
  readonly onPhaseEnd: (report: PhaseReport) => void;
}

/**
 * Runs the phases of one shutdown, one at a time, and places every hook registered during it:
 * with its phase if that is still ahead, at once if it is running or over (reported `late`), so
 * a client a task opens during the drain is still closed.
 */
export class PhaseRunner {
  readonly #run: PhaseRun;
  #active: ActivePhase | undefined;
  /** Hooks registered for a phase that has just ended, before the next one started. */
  readonly #joinNext: Hook[] = [];
  #over = false;

  constructor(run: PhaseRun) {
    this.#run = run;
  }

  /** Runs `phase`'s hooks (and `builtIn`, the coordinator's own hook) until each has settled or reached its deadline. */
  async run(phase: Phase, builtIn?: { readonly name: string; readonly run: (active: ActivePhase) => Promise<HookReport> }): Promise<void> {
    const active = new ActivePhase(phase);
    this.#active = active;
    // A snapshot: a hook that registers another of its own phase starts it late, once.
    for (const hook of [...this.#run.hooks.get(phase)!]) this.#start(hook, active, false);
    for (const hook of this.#joinNext.splice(0)) this.#start(hook, active, true);
    if (builtIn !== undefined) active.add(builtIn.name, () => builtIn.run(active).then((report) => (this.#run.onHookEnd(report, true), report)));
    active.close();
    await active.done;
    // Hooks registered as this phase was closing belong to it: it takes them before it ends.
    while (this.#joinNext.length > 0) {
      active.reopen();
      for (const hook of this.#joinNext.splice(0)) this.#start(hook, active, true);
      active.close();
      await active.done;
    }
    // One synchronous step from the last check to the phase's end, so no hook falls in between.
    this.#run.onPhaseEnd(phaseReport(active));
    if (phase === 'exit') this.#over = true;
  }

  /** The phase running now and its hooks that have not settled, in words; undefined once the phases are over. */
  describeRunning(): string | undefined {
    if (this.#over || this.#active === undefined) return undefined;
    const hooks = this.#active.running;
    return `${this.#active.phase} was running${hooks.length === 0 ? '' : `, with ${hooks.join(', ')} still at work`}`;
  }

  /** Places a hook registered while this shutdown runs. */
  place(hook: Hook, timeout: number): void {
    const active = this.#active;
    if (!this.#over) {
      // Before the first phase, or for a phase still ahead: it runs with its phase.
      if (active === undefined || phaseIndex(hook.phase) > phaseIndex(active.phase)) return;
      if (!active.closed) this.#start(hook, active, true);
      // The phase has just ended and the loop is on its way to the next: join that one.
      else this.#joinNext.push(hook);
      return;
    }
    // The phases are over: the hook still runs, bounded by its own timeout or the whole budget.
    const cap = performance.now() + (hook.timeout ?? timeout);
    void runHook(hook, { ...this.#context(true), cap }).then((report) => this.#run.onHookEnd(report, false));
  }

  #start(hook: Hook, active: ActivePhase, late: boolean): void {
    const cap = phaseCap(this.#run.budget, hook.phase);
    active.add(hook.name, () => runHook(hook, { ...this.#context(late), cap }).then((report) => (this.#run.onHookEnd(report, false), report)));
  }

  #context(late: boolean): { owner: object; trigger: ShutdownTrigger; force: Force; late: boolean } {
    const { owner, trigger, force } = this.#run;
    return { owner, trigger, force, late };
  }
}
