/**
 * Seeded randomized shutdowns: a generator of cases (hooks over random phases with random
 * behaviour, late registrations, nested shutdown() calls, tasks with onAbandon), a runner that
 * records what happened from inside the hooks and tasks and from the coordinator's events,
 * and an oracle that checks the report and the timings against what was recorded.
 *
 * The oracle never guesses a race from planned delays: whatever decides an outcome is observed
 * in order (a sequence number per observation), e.g. "the hook resolved before its signal
 * aborted" means `ok`, "its signal aborted first" means `timeout`. Lower bounds (no deadline
 * fires early, the drain does not give up early) are exact to 1 ms; upper bounds (the run ends
 * by the budget, a deadline fires on time) allow BUDGET_SLACK plus the event-loop stalls measured
 * past the deadline, so a loaded machine does not fail them and a real overrun still does.
 */
import { LastcallError, PHASES, ShutdownCoordinator, type HookReport, type Phase, type PhaseReport, type ShutdownReport } from '../../src/index.js';
import { startStallMonitor, stalled, stopStallMonitor, tickAfter } from './loop-stalls.js';
import { Random } from './prng.js';

// ---------------------------------------------------------------------------------------------
// Cases

/** What a hook or a task throws or rejects with. */
export type Thrown = 'error' | 'string' | 'number' | 'object' | 'null' | 'undefined';

/** When a hook does something besides its main action (register a hook, start a task). */
export type When =
  | { readonly kind: 'sync' } // at once, inside run()
  | { readonly kind: 'delay'; readonly ms: number } // on a timer, from the hook's start (even after it ended)
  | { readonly kind: 'microtasks'; readonly hops: number }; // that many microtasks after the hook settled its own promise

export type Action =
  | { readonly kind: 'return' } // returns synchronously
  | { readonly kind: 'resolve'; readonly after: number }
  | { readonly kind: 'throw'; readonly value: Thrown } // throws synchronously
  | { readonly kind: 'reject'; readonly after: number; readonly value: Thrown }
  | { readonly kind: 'hang' }
  | { readonly kind: 'shutdown'; readonly after: number | null; readonly exitCode?: number }; // nested, awaited

export interface HookSpec {
  readonly name: string;
  readonly phase: Phase;
  readonly timeout?: number;
  readonly action: Action;
  /** On its signal's abort, settle at once (resolve or reject with the reason); else ignore it. */
  readonly onAbort: 'ignore' | 'resolve' | 'reject';
  readonly late: readonly LateSpec[];
  readonly tasks: readonly TaskSpec[];
}

export interface LateSpec {
  readonly when: When;
  readonly relation: 'same' | 'earlier' | 'later';
  readonly hook: HookSpec;
}

export interface TaskSpec {
  readonly name: string;
  readonly api: 'run' | 'track';
  readonly when: When;
  /** Ms until it settles, or never (it may still settle on its signal's abort, see onAbort). */
  readonly duration: number | 'never';
  readonly rejects: boolean;
  /** run() only: settle (reject with the reason) when the task's signal aborts. */
  readonly respectsSignal: boolean;
  readonly onAbandon: 'none' | 'ok' | 'throw' | 'async' | 'hang';
  readonly onAbandonMs: number;
  /** run() only: calls shutdown() synchronously at its start, and awaits it. */
  readonly callsShutdown: boolean;
}

export interface CaseSpec {
  readonly seed: number;
  readonly budget: number;
  readonly hooks: readonly HookSpec[];
  /** Started before the trigger. */
  readonly tasks: readonly TaskSpec[];
}

const THROWN: readonly Thrown[] = ['error', 'string', 'number', 'object', 'null', 'undefined'];

export function generateCase(seed: number): CaseSpec {
  const random = new Random(seed, 0x5bd1e995);
  const budget = random.int(40, 150);
  let hookCount = 0;
  let taskCount = 0;

  const when = (sync: number, allowMicrotasks: boolean): When => {
    if (random.chance(sync)) return { kind: 'sync' };
    if (allowMicrotasks && random.chance(0.3)) return { kind: 'microtasks', hops: random.int(0, 8) };
    return { kind: 'delay', ms: random.int(0, Math.round(budget * 1.2)) };
  };

  const task = (duringRun: boolean): TaskSpec => {
    const api = random.chance(0.6) ? 'run' : 'track';
    const duration = random.chance(0.1) ? 'never' : random.chance(0.2) ? random.int(0, 3) : random.int(0, Math.round(budget * 1.5));
    return {
      name: `t${++taskCount}`,
      api,
      when: when(0.4, true),
      duration,
      rejects: random.chance(0.2),
      respectsSignal: api === 'run' && random.chance(0.5),
      // track() has no signal of its own: without onAbandon, its abandonment could not be seen.
      onAbandon: random.weighted({ none: api === 'run' ? 2 : 0, ok: 4, throw: 1, async: 2, hang: 1 }),
      onAbandonMs: random.int(0, 5),
      callsShutdown: duringRun && api === 'run' && random.chance(0.08),
    };
  };

  const thrown = (): Thrown => random.pick(THROWN);

  const hook = (phase: Phase, depth: number): HookSpec => {
    const name = `h${++hookCount}`;
    const upTo = Math.round(budget * 1.1);
    const kind = random.weighted({ return: 10, resolve: 30, throw: 8, reject: 8, hang: 8, shutdown: 8 });
    let action: Action;
    switch (kind) {
      case 'return':
        action = { kind };
        break;
      case 'resolve':
        action = { kind, after: random.int(0, upTo) };
        break;
      case 'throw':
        action = { kind, value: thrown() };
        break;
      case 'reject':
        action = { kind, after: random.int(0, upTo), value: thrown() };
        break;
      case 'hang':
        action = { kind };
        break;
      case 'shutdown': {
        const after = random.chance(0.4) ? null : random.int(0, upTo);
        action = random.chance(0.3) ? { kind, after, exitCode: random.int(2, 9) } : { kind, after };
        break;
      }
    }
    const late: LateSpec[] = [];
    const lateCount = depth >= 2 ? 0 : random.chance(depth === 0 ? 0.3 : 0.15) ? random.int(1, 2) : 0;
    for (let i = 0; i < lateCount; i++) {
      const relation = random.pick(['same', 'earlier', 'later'] as const);
      const index = PHASES.indexOf(phase);
      const target =
        relation === 'same' ? index : relation === 'earlier' ? random.int(0, Math.max(0, index - 1)) : random.int(Math.min(5, index + 1), 5);
      late.push({ when: when(0.35, true), relation, hook: hook(PHASES[target]!, depth + 1) });
    }
    const tasks: TaskSpec[] = [];
    const taskCount = random.chance(0.35) ? random.int(1, 3) : 0;
    for (let i = 0; i < taskCount; i++) tasks.push(task(true));
    return {
      name,
      phase,
      ...(random.chance(0.3) ? { timeout: random.int(1, Math.round(budget * 1.3)) } : {}),
      action,
      onAbort: random.pick(['ignore', 'resolve', 'reject'] as const),
      late,
      tasks,
    };
  };

  const hooks: HookSpec[] = [];
  const count = random.int(0, 8);
  for (let i = 0; i < count; i++) hooks.push(hook(random.pick(PHASES), 0));
  const tasks: TaskSpec[] = [];
  const preTasks = random.chance(0.5) ? random.int(1, 4) : 0;
  for (let i = 0; i < preTasks; i++) tasks.push({ ...task(false), when: { kind: 'sync' } });
  return { seed, budget, hooks, tasks };
}

// ---------------------------------------------------------------------------------------------
// Running a case

/** Anything recorded, in order. `seq` orders observations; `at` is performance.now(). */
interface Mark {
  readonly seq: number;
  readonly at: number;
}

interface HookRecord {
  readonly spec: HookSpec;
  /** Set when it was registered; initial hooks are registered before the trigger. */
  registered?: Mark & { readonly phasesDone: number; readonly initial: boolean };
  runs: number;
  started?: Mark;
  /** What the hook itself did first that decides its outcome: settled its promise, or called shutdown(). */
  own?: Mark & { readonly how: 'ok' | 'error' | 'released'; readonly value?: unknown };
  aborted?: Mark & { readonly reason: unknown };
  /** A second settle after the outcome, e.g. on its signal: no news. */
  settledLate?: Mark;
}

interface TaskRecord {
  readonly spec: TaskSpec;
  called?: Mark & { readonly phasesDone: number };
  /** run(): fn was called. */
  fnCalls: number;
  /** The promise it tracks (or run's inner work) settled on its own. */
  settled?: Mark & { readonly rejected: boolean; readonly error?: unknown };
  signalAborted?: Mark;
  abandonCalls: number;
  abandoned?: Mark;
  /** onAbandon was called during the run()/track() call itself: handed over after the drain. */
  refused: boolean;
  /** run() rejected with LASTCALL_ERR_DRAINED. */
  drainedError?: unknown;
  /** run()'s returned promise rejected (with anything else). */
  runRejected?: unknown;
  shutdownCall?: Mark & { readonly state: string };
  /** What onAbandon threw, when it did. */
  abandonThrew?: unknown;
}

interface ShutdownCall extends Mark {
  readonly by: string;
  readonly state: string;
  readonly exitCode: number | undefined;
  readonly samePromise: boolean;
}

export interface CaseResult {
  readonly spec: CaseSpec;
  readonly failures: string[];
  readonly report?: ShutdownReport;
  readonly took: number;
  /** How long after the budget's end the report arrived (negative: before it). */
  readonly overrun: number;
  /** Event-loop stall time measured between the budget's last deadline (end - exitReserve) and the report. */
  readonly stall: number;
  readonly log: string[];
}

/**
 * How late past a deadline (the budget's end less the exit reserve, a hook's deadline, the
 * drain's) what it bounds may come, on top of the event-loop stall time measured past that
 * deadline (see stalled()). Every wait of the run ends at an absolute instant, so past the last
 * one only a chain of timer turns is left: phases whose deadlines have passed, each ending on its
 * next turn, and atInstant's re-arm when a timer wakes a fraction of a millisecond early. On this
 * 2-core machine, over some 30,000 cases (100 at once, alone, with the whole suite in parallel,
 * and with two processes spinning on both cores), raw overruns reached 870 ms, all of it
 * stalls: what was left once the stalls were taken off never passed 6 ms. 30 ms keeps a wide
 * margin over that, and still fails a run that waits past a deadline by 30 ms or more.
 */
export const BUDGET_SLACK = 30;
/** A deadline that fires early is a bug at any size; this only absorbs float rounding and the few µs between runHook's clock read and ours. */
const EARLY = 1;

const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const microtasks = async (hops: number): Promise<void> => {
  for (let i = 0; i < hops; i++) await undefined;
};

function makeThrown(kind: Thrown, label: string): unknown {
  switch (kind) {
    case 'error':
      return new Error(label);
    case 'string':
      return `thrown by ${label}`;
    case 'number':
      return label.length;
    case 'object':
      return { thrownBy: label };
    case 'null':
      return null;
    case 'undefined':
      return undefined;
  }
}

const HOOK_OF_TASKS = 'in-flight tasks';

export async function runCase(spec: CaseSpec, options: { verbose?: boolean; checkExitCode?: boolean } = {}): Promise<CaseResult> {
  startStallMonitor();
  try {
    return await runMonitored(spec, options);
  } finally {
    stopStallMonitor();
  }
}

async function runMonitored(spec: CaseSpec, options: { verbose?: boolean; checkExitCode?: boolean }): Promise<CaseResult> {
  // As testCoordinator() makes them, but not kept until the end of the test: thousands of cases
  // would keep every coordinator, hook and task alive.
  const coordinator = new ShutdownCoordinator({ timeout: spec.budget, exit: false, signals: [], handleErrors: false, logger: false });
  const log: string[] = [];
  let seq = 0;
  let t0 = 0;
  const mark = (what: string): Mark => {
    const m = { seq: ++seq, at: performance.now() };
    if (options.verbose) log.push(`#${m.seq} ${(m.at - t0).toFixed(2).padStart(8)} ms  ${what}`);
    return m;
  };
  const failures: string[] = [];
  const fail = (message: string): void => void failures.push(message);

  // Timers and microtask chains we started: the final checks wait for all of them.
  let pending = 0;
  let whenIdle: (() => void) | undefined;
  const hold = (): void => void pending++;
  const release = (): void => {
    if (--pending === 0) whenIdle?.();
  };
  const later = (when: When, own: Promise<void> | undefined, fn: () => void): void => {
    if (when.kind === 'sync') return fn();
    if (when.kind === 'delay') {
      hold();
      setTimeout(() => {
        fn();
        release();
      }, when.ms);
      return;
    }
    // After the hook's own promise settled (never, for a hook that hangs).
    if (own === undefined) return fn();
    hold();
    const go = (): void => void microtasks(when.hops).then(() => {
      fn();
      release();
    });
    own.then(go, go);
  };

  const hooks = new Map<string, HookRecord>();
  const tasks = new Map<string, TaskRecord>();
  const shutdownCalls: ShutdownCall[] = [];
  const phaseEvents: { report: PhaseReport; mark: Mark }[] = [];
  const hookEvents: { report: HookReport; mark: Mark }[] = [];
  let reportEvents = 0;
  let exitCodeAtReport: unknown = 'unchecked';
  let main: Promise<ShutdownReport> | undefined;

  coordinator.on('phase', (report) => phaseEvents.push({ report, mark: mark(`phase ${report.name} ${report.outcome}`) }));
  coordinator.on('hook', (report) =>
    hookEvents.push({ report, mark: mark(`hook ${report.name} (${report.phase}) ${report.outcome}${report.late ? ' late' : ''}`) }),
  );
  coordinator.on('report', () => {
    reportEvents++;
    mark('report');
    // process.exitCode is set right after this event, in the same synchronous step.
    if (options.checkExitCode) queueMicrotask(() => (exitCodeAtReport = process.exitCode));
  });

  const callShutdown = (by: string, exitCode: number | undefined): Promise<ShutdownReport> => {
    const state = coordinator.state;
    const m = mark(`${by} calls shutdown(${exitCode ?? ''}) while ${state}`);
    const promise = coordinator.shutdown(exitCode === undefined ? {} : { exitCode });
    shutdownCalls.push({ ...m, by, state, exitCode, samePromise: promise === main });
    return promise;
  };

  const startTask = (task: TaskSpec): void => {
    const record: TaskRecord = { spec: task, fnCalls: 0, abandonCalls: 0, refused: false };
    tasks.set(task.name, record);
    const onAbandon =
      task.onAbandon === 'none'
        ? undefined
        : (): unknown => {
            record.abandonCalls++;
            record.abandoned ??= mark(`task ${task.name} onAbandon (${task.onAbandon})`);
            switch (task.onAbandon) {
              case 'ok':
                return undefined;
              case 'throw':
                record.abandonThrew = new Error(`onAbandon of ${task.name}`);
                throw record.abandonThrew;
              case 'async':
                hold();
                return delay(task.onAbandonMs).finally(release);
              case 'hang':
                return new Promise(() => {});
            }
          };
    const taskOptions = onAbandon === undefined ? { name: task.name } : { name: task.name, onAbandon };
    /** The task's own work: settles after its duration (or never), or on its signal's abort. */
    const work = (signal: AbortSignal | undefined): Promise<string> =>
      new Promise<string>((resolve, reject) => {
        const settle = (rejected: boolean, error?: unknown): void => {
          if (record.settled !== undefined) return;
          record.settled = { ...mark(`task ${task.name} ${rejected ? 'rejects' : 'resolves'}`), rejected, ...(rejected ? { error } : {}) };
          if (rejected) reject(error);
          else resolve(task.name);
        };
        if (signal !== undefined && task.respectsSignal) signal.addEventListener('abort', () => settle(true, signal.reason));
        if (task.duration === 'never') return;
        hold();
        setTimeout(() => {
          if (task.rejects) settle(true, new Error(`task ${task.name} failed`));
          else settle(false);
          release();
        }, task.duration);
      });

    const phasesDone = phaseEvents.length;
    record.called = { ...mark(`${task.api}(${task.name})`), phasesDone };
    const before = record.abandonCalls;
    if (task.api === 'run') {
      const promise = coordinator.run(async (signal) => {
        record.fnCalls++;
        signal.addEventListener('abort', () => (record.signalAborted ??= mark(`task ${task.name} signal aborts`)));
        if (task.callsShutdown) {
          record.shutdownCall = { ...mark(`task ${task.name} calls shutdown()`), state: coordinator.state };
          await callShutdown(task.name, undefined);
        }
        return work(signal);
      }, taskOptions);
      record.refused = record.abandonCalls > before;
      promise.then(
        () => {},
        (error: unknown) => {
          if (error instanceof LastcallError && error.code === 'LASTCALL_ERR_DRAINED') record.drainedError = error;
          else record.runRejected = error;
        },
      );
    } else {
      const promise = work(undefined);
      promise.catch(() => {});
      const returned = coordinator.track(promise, taskOptions);
      if (returned !== promise) fail(`track(${task.name}) returned another promise`);
      record.refused = record.abandonCalls > before;
    }
  };

  const registerHook = (spec: HookSpec, initial: boolean): void => {
    const record: HookRecord = { spec, runs: 0 };
    hooks.set(spec.name, record);
    const phasesDone = phaseEvents.length;
    record.registered = { ...mark(`register ${spec.name} (${spec.phase})${initial ? '' : ' late'}`), phasesDone, initial };
    coordinator.register({
      name: spec.name,
      phase: spec.phase,
      ...(spec.timeout === undefined ? {} : { timeout: spec.timeout }),
      run: ({ signal }) => runHook(spec, record, signal),
    });
  };

  const runHook = (spec: HookSpec, record: HookRecord, signal: AbortSignal): unknown => {
    record.runs++;
    record.started = mark(`${spec.name} starts`);
    let settleOwn!: (value: unknown, rejected: boolean) => void;
    // Settles when the hook's own promise does, for the 'microtasks' timing.
    let ownSettled: Promise<void> | undefined;
    let markOwnSettled: (() => void) | undefined;
    if (spec.action.kind !== 'hang' && spec.action.kind !== 'shutdown') {
      ownSettled = new Promise<void>((resolve) => (markOwnSettled = resolve));
    }
    signal.addEventListener('abort', () => {
      record.aborted = { ...mark(`${spec.name} signal aborts`), reason: signal.reason };
      if (spec.onAbort === 'resolve') settleOwn?.(undefined, false);
      if (spec.onAbort === 'reject') settleOwn?.(signal.reason, true);
    });
    const own = (how: 'ok' | 'error' | 'released', value?: unknown): void => {
      if (record.own === undefined && record.aborted === undefined) {
        record.own = { ...mark(`${spec.name} ${how}`), how, ...(how === 'error' ? { value } : {}) };
      } else {
        record.settledLate ??= mark(`${spec.name} ${how} (after its outcome)`);
      }
      markOwnSettled?.();
    };

    for (const late of spec.late) later(late.when, ownSettled, () => registerHook(late.hook, false));
    for (const task of spec.tasks) later(task.when, ownSettled, () => startTask(task));

    const action = spec.action;
    switch (action.kind) {
      case 'return':
        own('ok');
        return undefined;
      case 'throw': {
        const value = makeThrown(action.value, spec.name);
        own('error', value);
        throw value;
      }
      case 'hang':
      case 'resolve':
      case 'reject': {
        const promise = new Promise<void>((resolve, reject) => {
          settleOwn = (value, rejected) => {
            settleOwn = () => {};
            own(rejected ? 'error' : 'ok', value);
            if (rejected) reject(value);
            else resolve();
          };
        });
        if (action.kind !== 'hang') {
          hold();
          setTimeout(() => {
            settleOwn(action.kind === 'reject' ? makeThrown(action.value, spec.name) : undefined, action.kind === 'reject');
            release();
          }, action.after);
        }
        return promise;
      }
      case 'shutdown': {
        const call = (): Promise<ShutdownReport> => {
          own('released');
          return callShutdown(spec.name, action.exitCode);
        };
        if (action.after === null) return call();
        hold();
        return delay(action.after).then(() => {
          release();
          return call();
        });
      }
    }
  };

  // Set-up, then the trigger.
  t0 = performance.now();
  for (const hook of spec.hooks) registerHook(hook, true);
  for (const task of spec.tasks) startTask(task);
  const budgetStartLow = performance.now();
  main = coordinator.shutdown({ reason: `seed ${spec.seed}` });
  const budgetStartHigh = performance.now();
  mark('trigger');
  const report = await main;
  const resolvedAt = performance.now();
  mark('shutdown() resolved');

  // Let everything we started come to rest: timers, late registrations, tasks.
  if (pending > 0) await new Promise<void>((resolve) => (whenIdle = resolve));
  // ...and for the stall monitor to tick past the report (see stalled()).
  await tickAfter(resolvedAt);
  if (pending > 0) await new Promise<void>((resolve) => (whenIdle = resolve));

  // ---- The oracle ------------------------------------------------------------------------
  const B = spec.budget;
  const again = await coordinator.shutdown();
  const overrun = resolvedAt - (budgetStartHigh + B);
  // Every wait ends by end - exitReserve; after that, only the event loop can make it late.
  const stall = stalled(budgetStartLow + B - Math.min(B * 0.02, 100), resolvedAt);
  try {
    check();
  } catch (error) {
    // A report so malformed that a check threw is a failure too, not a crash of the whole batch.
    fail(`the report could not be checked: ${error instanceof Error ? error.stack : String(error)}`);
  }
  return { spec, failures, report, took: resolvedAt - budgetStartLow, overrun, stall, log };

  function check(): void {
  const exitReserve = Math.min(B * 0.02, 100);
  const abandonReserve = Math.min(B * 0.1, 1000);
  const capOffset = (phase: Phase): number => (PHASES.indexOf(phase) <= PHASES.indexOf('drain') ? B - exitReserve - abandonReserve : B - exitReserve);
  const capLow = (phase: Phase): number => budgetStartLow + capOffset(phase);
  const capHigh = (phase: Phase): number => budgetStartHigh + capOffset(phase);

  // Guarantee 5: the run ends by the budget, give or take the event loop's stalls past its last deadline.
  if (overrun > BUDGET_SLACK + stall) {
    fail(`budget: shutdown() resolved ${(resolvedAt - budgetStartLow).toFixed(1)} ms after the trigger, budget ${B} ms + slack ${BUDGET_SLACK} ms + event-loop stalls ${stall.toFixed(1)} ms`);
  }
  if (report.duration > B + BUDGET_SLACK + stall) fail(`budget: report.duration ${report.duration.toFixed(1)} ms > ${B} + ${BUDGET_SLACK} + ${stall.toFixed(1)} ms of stalls`);

  // Guarantee 1: one run, one report.
  if (coordinator.state !== 'stopped') fail(`state is ${coordinator.state} after the run`);
  if (reportEvents !== 1) fail(`${reportEvents} 'report' events`);
  for (const call of shutdownCalls) if (!call.samePromise) fail(`shutdown() called by ${call.by} returned another promise`);
  if (again !== report) fail('a later shutdown() resolved to another report');

  // Phases: all six, in order, each event the report's own object, never overlapping.
  if (report.phases.map((phase) => phase.name).join() !== PHASES.join()) fail(`report phases: ${report.phases.map((p) => p.name).join()}`);
  if (phaseEvents.map((e) => e.report.name).join() !== PHASES.join()) fail(`'phase' events: ${phaseEvents.map((e) => e.report.name).join()}`);
  phaseEvents.forEach((event, k) => {
    if (report.phases[k] !== event.report) fail(`'phase' event ${k} is not report.phases[${k}]`);
  });
  const phaseEnd = (k: number): number => phaseEvents[k]?.mark.seq ?? Infinity;
  const phaseStart = (k: number): number => (k === 0 ? 0 : phaseEnd(k - 1));

  // Every hook in the report: where it is, its 'hook' event, its outcome and its timing.
  const reported = new Map<string, { hook: HookReport; group: number }>();
  report.phases.forEach((phase, group) => {
    const hasFailure = phase.hooks.some((hook) => hook.outcome === 'error' || hook.outcome === 'timeout');
    if (phase.outcome !== (hasFailure ? 'failed' : 'ok')) fail(`phase ${phase.name} is ${phase.outcome}, its hooks: ${phase.hooks.map((h) => `${h.name}:${h.outcome}`).join(', ')}`);
    for (const hook of phase.hooks) {
      if (reported.has(hook.name)) fail(`hook ${hook.name} appears twice in the report`);
      reported.set(hook.name, { hook, group });
      const events = hookEvents.filter((event) => event.report === hook);
      if (events.length !== 1) {
        fail(`hook ${hook.name}: ${events.length} 'hook' events carry its report`);
        continue;
      }
      // Its outcome came before its phase ended, and after its phase began.
      if (!(events[0]!.mark.seq < phaseEnd(group))) fail(`hook ${hook.name}'s outcome came after phase ${phase.name} ended`);
    }
  });
  /** The sequence number of the last outcome among the hooks reported in `group`, but `except`. */
  function lastOutcome(group: number, except: string): number {
    let last = phaseStart(group);
    for (const hook of report.phases[group]?.hooks ?? []) {
      if (hook.name === except) continue;
      for (const event of hookEvents) if (event.report === hook) last = Math.max(last, event.mark.seq);
    }
    return last;
  }
  const tasksHook = reported.get(HOOK_OF_TASKS);
  if (tasksHook === undefined || tasksHook.group !== PHASES.indexOf('drain') || tasksHook.hook.late) {
    fail(`the drain's own hook is missing or misplaced`);
  }

  let anyFailedHook = false;
  for (const [name, entry] of reported) {
    if (name === HOOK_OF_TASKS) continue;
    const record = hooks.get(name);
    if (record === undefined) {
      fail(`the report has a hook ${name} nobody registered`);
      continue;
    }
    const { hook, group } = entry;
    if (hook.outcome === 'error' || hook.outcome === 'timeout') anyFailedHook = true;
    if (hook.phase !== record.spec.phase) fail(`hook ${name} is reported in phase ${hook.phase}, registered in ${record.spec.phase}`);
    if (record.started === undefined) {
      fail(`hook ${name} is in the report but never ran`);
      continue;
    }
    // No overlap: it started after the previous phase had ended.
    if (!(record.started.seq > phaseStart(group))) fail(`hook ${name} (group ${PHASES[group]}) started before phase ${PHASES[group - 1]} had ended`);
  }
  if (tasksHook?.hook.outcome === 'timeout') anyFailedHook = true;

  // Whether phase k had started (one of its hooks had begun) before observation `seq`.
  const phaseHadStarted = (k: number, seq: number): boolean =>
    [...hooks].some(([other, record]) => reported.get(other)?.group === k && record.started !== undefined && record.started.seq < seq);

  // Each registered hook: ran once, in the right place, with the outcome its behaviour calls for.
  for (const [name, record] of hooks) {
    const spec = record.spec;
    const registered = record.registered!;
    if (record.runs !== 1) fail(`hook ${name} ran ${record.runs} times`);
    const entry = reported.get(name);
    // Where it belongs: its own phase; or, registered once its phase had begun, the phase running
    // then, reported late. Registered as that phase closes (every other hook of it has its outcome,
    // the 'phase' event is still to come), starting it with the next phase is fine too.
    const own = PHASES.indexOf(spec.phase);
    const current = registered.phasesDone;
    let expectedGroups: number[] | 'outside';
    let expectedLate: boolean | 'either';
    if (registered.initial || current < own) {
      expectedGroups = [own];
      expectedLate = false;
    } else if (current === own && !phaseHadStarted(own, registered.seq)) {
      // Registered for the next phase after the previous one ended, before this one started: it
      // runs with its phase from the start, and whether that counts as late is not observable.
      expectedGroups = [own];
      expectedLate = 'either';
    } else if (current >= PHASES.length) {
      expectedGroups = 'outside';
      expectedLate = true;
    } else {
      const closing = current < PHASES.length - 1 && registered.seq > lastOutcome(current, name);
      expectedGroups = closing ? [current, current + 1] : [current];
      expectedLate = true;
    }
    if (expectedGroups === 'outside') {
      if (entry !== undefined) fail(`hook ${name}, registered after the last phase, is in the report (${PHASES[entry.group]})`);
      continue;
    }
    const expectedNames = expectedGroups.map((group) => PHASES[group]).join(' or ');
    if (entry === undefined) {
      fail(`hook ${name} (${spec.phase}, registered ${registered.initial ? 'before the trigger' : `during ${PHASES[current]}`}) is missing from the report; expected in ${expectedNames}`);
      continue;
    }
    if (!expectedGroups.includes(entry.group)) fail(`hook ${name} (${spec.phase}) is reported in ${PHASES[entry.group]}, expected ${expectedNames}`);
    if (expectedLate !== 'either' && entry.hook.late !== expectedLate) fail(`hook ${name} is reported with late: ${entry.hook.late}, expected ${expectedLate}`);

    // Its deadline is the earlier of its own timeout and its phase's cap. runHook reads its start
    // between `startLow` (its phase began, or it was registered) and `started` (its run() was called),
    // so the time it allows lies between `allowedLow` and `allowedHigh`.
    const hook = entry.hook;
    const started = record.started!;
    const phaseBegan = entry.group === 0 ? budgetStartLow : phaseEvents[entry.group - 1]!.mark.at;
    const startLow = hook.late ? registered.at : Math.max(registered.at, phaseBegan);
    const ownTimeout = spec.timeout ?? Infinity;
    const allowedLow = Math.min(ownTimeout, capLow(spec.phase) - started.at);
    const allowedHigh = Math.min(ownTimeout, capHigh(spec.phase) - startLow);

    // The outcome: whichever came first, the hook's own settle (or shutdown() call) or its deadline.
    // A hook that resolves past its deadline (its timer held up by a busy loop) is late all the same.
    const first = record.own !== undefined && (record.aborted === undefined || record.own.seq < record.aborted.seq) ? record.own.how : record.aborted !== undefined ? 'timeout' : 'none';
    if (first === 'none') {
      fail(`hook ${name}: neither settled nor reached its deadline, reported ${hook.outcome}`);
    } else if (first === 'ok' && hook.outcome === 'timeout') {
      if (hook.duration < allowedLow - EARLY) fail(`hook ${name}: resolved after ${hook.duration.toFixed(2)} ms, reported timeout, though its deadline is ${allowedLow.toFixed(2)} ms`);
    } else if (hook.outcome !== first) {
      fail(`hook ${name}: reported ${hook.outcome}, but ${first === 'timeout' ? 'its signal aborted first' : `it ${first === 'ok' ? 'resolved' : first === 'error' ? 'threw/rejected' : 'called shutdown()'} first`}`);
    } else if (hook.outcome === 'ok' && hook.duration > allowedHigh + EARLY) {
      fail(`hook ${name}: reported ok after ${hook.duration.toFixed(2)} ms, past its deadline (${allowedHigh.toFixed(2)} ms)`);
    }
    if (hook.outcome === 'error' && !Object.is(hook.error, record.own?.value)) fail(`hook ${name}: report.error is not what it threw`);
    if (hook.outcome !== 'error' && 'error' in hook) fail(`hook ${name}: outcome ${hook.outcome} carries an error`);
    // What it does decides which outcomes are possible at all.
    const possible: Record<Action['kind'], string[]> = {
      return: ['ok', 'timeout'],
      throw: ['error'],
      resolve: ['ok', 'timeout'],
      reject: ['error', 'timeout'],
      hang: ['timeout'],
      shutdown: spec.action.kind === 'shutdown' && spec.action.after === null ? ['released'] : ['released', 'timeout'],
    };
    if (!possible[spec.action.kind].includes(hook.outcome)) fail(`hook ${name} (${spec.action.kind}) reported ${hook.outcome}`);
    // Once the outcome is in, nothing changes it; its signal aborts only at its deadline.
    if (hook.outcome !== 'timeout' && record.aborted !== undefined) fail(`hook ${name}: ${hook.outcome}, but its signal aborted later`);

    // A deadline that fired: never early, and on time give or take the event loop's stalls.
    const aborted = record.aborted;
    if (hook.outcome === 'timeout' && aborted !== undefined && first === 'timeout') {
      if (hook.duration < allowedLow - EARLY) fail(`hook ${name}: timed out after ${hook.duration.toFixed(2)} ms, before its deadline (${allowedLow.toFixed(2)} ms)`);
      const earliest = Math.min(capLow(spec.phase), startLow + ownTimeout);
      if (aborted.at < earliest - EARLY) fail(`hook ${name}: signal aborted ${(aborted.at - started.at).toFixed(2)} ms after its start, before its deadline (${(earliest - started.at).toFixed(2)} ms)`);
      // By its deadline, or at once if it started past it (a late hook of an earlier phase).
      const latest = Math.min(capHigh(spec.phase), started.at + ownTimeout);
      const stall = stalled(latest, aborted.at);
      const due = Math.max(latest, started.at);
      if (aborted.at > due + BUDGET_SLACK + stall) fail(`hook ${name}: signal aborted ${(aborted.at - due).toFixed(2)} ms after its deadline${due > latest ? ' (it started past it)' : ''} (slack ${BUDGET_SLACK} ms, event-loop stalls ${stall.toFixed(1)} ms)`);
      if (!(aborted.reason instanceof DOMException) || aborted.reason.name !== 'TimeoutError') fail(`hook ${name}: aborted with ${String(aborted.reason)}, not a TimeoutError`);
    }
  }
  // No hook events for hooks we do not know, and every hook report in an event is in the report
  // unless it ran outside the sequence (registered after the last phase).
  const eventNames = hookEvents.map((event) => event.report.name);
  for (const name of new Set(eventNames)) {
    const count = eventNames.filter((each) => each === name).length;
    if (count > 1) fail(`${count} 'hook' events for ${name}`);
  }
  for (const event of hookEvents) {
    if (event.report.name === HOOK_OF_TASKS) continue;
    const record = hooks.get(event.report.name);
    if (record === undefined) fail(`'hook' event for unknown hook ${event.report.name}`);
    else {
      // (A hook missing from the report is told above; one that ran outside the sequence has only its event.)
      const entry = reported.get(event.report.name);
      if (entry !== undefined && entry.hook !== event.report) fail(`'hook' event for ${event.report.name} is not the report's entry`);
    }
  }

  // Tasks: each is finished, abandoned, released or refused; exactly one of them.
  const drainIndex = PHASES.indexOf('drain');
  const abandonedNames = report.tasks.abandoned.map((task) => task.name);
  if (new Set(abandonedNames).size !== abandonedNames.length) fail(`a task is abandoned twice in the report: ${abandonedNames.join(', ')}`);
  let finished = 0;
  const rejected: string[] = [];
  const released: string[] = [];
  let abandonedAccepted = 0;
  for (const [name, task] of tasks) {
    const spec = task.spec;
    const called = task.called!;
    if (task.abandonCalls > 1) fail(`task ${name}: onAbandon called ${task.abandonCalls} times`);
    const inReport = report.tasks.abandoned.find((entry) => entry.name === name);
    if (task.refused || task.drainedError !== undefined) {
      // Refused: handed over once the drain stopped waiting.
      if (spec.onAbandon !== 'none' && !task.refused) fail(`task ${name}: refused without calling its onAbandon at once`);
      if (spec.api === 'run' && task.drainedError === undefined) fail(`task ${name}: refused, but run() did not reject with LASTCALL_ERR_DRAINED`);
      if (task.fnCalls !== 0) fail(`task ${name}: refused, but its fn ran`);
      if (called.phasesDone <= drainIndex - 1) fail(`task ${name}: refused though started before the drain phase began (during ${PHASES[called.phasesDone]})`);
      const sync = spec.onAbandon === 'none' || spec.onAbandon === 'ok' || spec.onAbandon === 'throw';
      if (sync && called.seq < (phaseEvents[PHASES.length - 1]?.mark.seq ?? 0) && inReport === undefined) fail(`task ${name}: refused during the run, missing from report.tasks.abandoned`);
      if (inReport !== undefined) checkAbandonEntry(name, task, inReport);
      continue;
    }
    if (called.phasesDone > drainIndex) fail(`task ${name}: started after the drain phase ended, but accepted`);
    if (spec.api === 'run' && task.fnCalls !== 1) fail(`task ${name}: fn ran ${task.fnCalls} times`);
    if (task.runRejected !== undefined && !(task.settled?.rejected && Object.is(task.runRejected, task.settled.error))) {
      fail(`task ${name}: run() rejected with something else than the task's own rejection: ${String(task.runRejected)}`);
    }
    if (task.shutdownCall !== undefined) {
      // Released: it called shutdown() at its start; the drain does not wait for it.
      released.push(name);
      if (task.abandonCalls !== 0) fail(`task ${name}: released, and its onAbandon was called too`);
      if (inReport !== undefined) fail(`task ${name}: released, and in report.tasks.abandoned too`);
      continue;
    }
    // Abandoned: its signal aborts, then its onAbandon runs; a task that respects its signal settles in between.
    const abandonedAt = [task.signalAborted, task.abandoned].filter((m) => m !== undefined).sort((a, b) => a.seq - b.seq)[0];
    const settledFirst = task.settled !== undefined && (abandonedAt === undefined || task.settled.seq < abandonedAt.seq);
    if (settledFirst) {
      finished++;
      if (task.settled!.rejected) rejected.push(name);
      if (task.abandonCalls !== 0 || task.signalAborted !== undefined) fail(`task ${name}: finished, and abandoned too`);
      if (inReport !== undefined) fail(`task ${name}: finished, and in report.tasks.abandoned too`);
      continue;
    }
    // Abandoned at the drain deadline.
    abandonedAccepted++;
    if (abandonedAt === undefined) {
      fail(`task ${name}: neither finished nor abandoned (onAbandon not called, signal not aborted)`);
      continue;
    }
    if (spec.onAbandon !== 'none' && task.abandonCalls !== 1) fail(`task ${name}: abandoned, onAbandon called ${task.abandonCalls} times`);
    if (spec.api === 'run' && task.signalAborted === undefined) fail(`task ${name}: abandoned, but its signal did not abort`);
    if (spec.api === 'run' && task.abandoned !== undefined && task.signalAborted!.seq > task.abandoned.seq) fail(`task ${name}: onAbandon ran before its signal aborted`);
    if (abandonedAt.at < capLow('drain') - EARLY) fail(`task ${name}: accepted, then abandoned ${(abandonedAt.at - budgetStartLow).toFixed(2)} ms after the trigger, before the drain deadline (${capOffset('drain').toFixed(2)} ms)`);
    const stall = stalled(capHigh('drain'), abandonedAt.at);
    if (abandonedAt.at > capHigh('drain') + BUDGET_SLACK + stall) fail(`task ${name}: abandoned ${(abandonedAt.at - capHigh('drain')).toFixed(2)} ms after the drain deadline (slack ${BUDGET_SLACK} ms, event-loop stalls ${stall.toFixed(1)} ms)`);
    if (inReport === undefined) fail(`task ${name}: abandoned, missing from report.tasks.abandoned`);
    else checkAbandonEntry(name, task, inReport);
  }
  for (const entry of report.tasks.abandoned) if (!tasks.has(entry.name)) fail(`report.tasks.abandoned names an unknown task ${entry.name}`);
  if (report.tasks.finished !== finished) fail(`report.tasks.finished is ${report.tasks.finished}, expected ${finished}`);
  const sorted = (names: readonly string[]): string => [...names].sort().join(', ');
  if (sorted(report.tasks.rejected.map((task) => task.name)) !== sorted(rejected)) fail(`report.tasks.rejected is [${sorted(report.tasks.rejected.map((t) => t.name))}], expected [${sorted(rejected)}]`);
  for (const entry of report.tasks.rejected) {
    if (!Object.is(entry.error, tasks.get(entry.name)?.settled?.error)) fail(`report.tasks.rejected: ${entry.name}'s error is not what it rejected with`);
  }
  if (sorted(report.tasks.released) !== sorted(released)) fail(`report.tasks.released is [${sorted(report.tasks.released)}], expected [${sorted(released)}]`);
  const tasksOutcome = abandonedAccepted > 0 ? 'timeout' : 'ok';
  if (tasksHook !== undefined && tasksHook.hook.outcome !== tasksOutcome) fail(`the drain's hook is ${tasksHook.hook.outcome}, expected ${tasksOutcome} (${abandonedAccepted} task(s) abandoned at its deadline)`);

  function checkAbandonEntry(name: string, task: TaskRecord, entry: ShutdownReport['tasks']['abandoned'][number]): void {
    const expected: Record<TaskSpec['onAbandon'], string[]> = { none: ['none'], ok: ['ok'], throw: ['error'], async: ['ok', 'timeout'], hang: ['timeout'] };
    if (!expected[task.spec.onAbandon].includes(entry.onAbandon)) fail(`task ${name}: onAbandon ${task.spec.onAbandon} reported as ${entry.onAbandon}`);
    if (entry.onAbandon === 'error' && !Object.is(entry.error, task.abandonThrew)) fail(`task ${name}: the reported onAbandon error is not what it threw`);
  }

  // Guarantee 7: the outcome and the exit code.
  const failed = anyFailedHook || report.tasks.abandoned.length > 0;
  const expectedOutcome = failed ? 'failed' : 'clean';
  if (report.outcome !== expectedOutcome) fail(`report.outcome is ${report.outcome}, expected ${expectedOutcome}`);
  const requested = shutdownCalls.find((call) => call.state === 'stopping' && call.exitCode !== undefined)?.exitCode;
  const expectedCode = requested ?? (failed ? 1 : 0);
  if (report.exitCode !== expectedCode) fail(`report.exitCode is ${report.exitCode}, expected ${expectedCode}${requested === undefined ? '' : ' (asked for by a nested shutdown())'}`);
  if (options.checkExitCode && exitCodeAtReport !== report.exitCode) fail(`process.exitCode is ${String(exitCodeAtReport)} after the report, expected ${report.exitCode}`);
  }
}

/** One line per phase and hook, for a failure message. */
export function describeReport(report: ShutdownReport | undefined): string {
  if (report === undefined) return '(no report)';
  const lines = [`${report.outcome}, exit code ${report.exitCode}, ${report.duration.toFixed(1)} ms`];
  for (const phase of report.phases) {
    lines.push(`  ${phase.name} ${phase.outcome} ${phase.duration.toFixed(1)} ms`);
    for (const hook of phase.hooks) lines.push(`    ${hook.name} (${hook.phase}${hook.late ? ', late' : ''}) ${hook.outcome} ${hook.duration.toFixed(1)} ms`);
  }
  const { finished, rejected, abandoned, released } = report.tasks;
  lines.push(`  tasks: finished ${finished}, rejected [${rejected.map((t) => t.name).join(', ')}], abandoned [${abandoned.map((t) => `${t.name}:${t.onAbandon}`).join(', ')}], released [${released.join(', ')}]`);
  return lines.join('\n');
}
