import { EventEmitter } from 'node:events';
import { constants } from 'node:os';
import { describeActiveResources } from './alive.js';
import { createBudget, phaseCap, toEpoch, type Budget } from './budget.js';
import { currentCaller } from './caller.js';
import { atInstant, settledBy } from './deadline.js';
import { describeError, invalidType, LastcallError } from './errors.js';
import { publish, type ShutdownEvents } from './events.js';
import { exitCodeOf, outcomeOf, type RunFacts } from './exit-code.js';
import { flushOutput } from './flush.js';
import { runHook, type Force, type Hook } from './hook.js';
import { createLog, type Log } from './log.js';
import { isPlainObject, resolveOptions, validateDuration, validateExitCode, type ResolvedOptions, type ShutdownCoordinatorOptions } from './options.js';
import { isPhase, PHASES, phaseIndex, type Phase } from './phases.js';
import { onProcessEvent } from './process-listeners.js';
import { ms, type FatalErrorReport, type HookReport, type PhaseReport, type ShutdownReport } from './report.js';
import { callerStack, Tasks, type TaskOptions } from './tasks.js';
import { describeTrigger, type ShutdownTrigger } from './trigger.js';
import { startWatchdog } from './watchdog.js';
import { askToStop, onPrimaryAsks, waitForWorkers, type AddClusterOptions } from './cluster.js';
import cluster from 'node:cluster';
import { isDrainableServer, ServerDrain, type AddServerOptions, type DrainableServer } from './server-drain.js';
import type { IncomingMessage, ServerResponse } from 'node:http';

/** Options of `shutdown()`. */
export interface ShutdownOptions {
  /** Why, in a few words, for the log and the report. */
  readonly reason?: string;
  /** The exit code to end with, whatever the outcome (a forced exit still uses 128 + n). */
  readonly exitCode?: number;
}

/** `running` until a trigger, `stopping` during the sequence, `stopped` once the report is made. */
export type CoordinatorState = 'running' | 'stopping' | 'stopped';

// A repeated signal gets this long to flush output and hand tasks back before the exit.
const FORCE_GRACE = 50;
// With `exit: false`, how long after the run the process may take to end before we say what holds it.
const ALIVE_GRACE = 1_000;
const TASKS_HOOK = 'in-flight tasks';
// Uncaught errors during a shutdown are logged up to this many, and recorded up to that many.
const LOGGED_FATAL_ERRORS = 10;
const RECORDED_FATAL_ERRORS = 100;
// The watchdog waits this long past the budget, for the main thread's own exit to win when it can.
const WATCHDOG_GRACE = 100;

/** The hooks of the phase that is running now; hooks registered late join it. */
class ActivePhase {
  readonly phase: Phase;
  readonly results: HookReport[] = [];
  done: Promise<void>;
  closed = false;
  #pending = 0;
  #resolve!: () => void;
  #waiters: { left: number; resolve: () => void }[] = [];

  constructor(phase: Phase) {
    this.phase = phase;
    this.done = new Promise((resolve) => (this.#resolve = resolve));
  }

  /** Takes the report's slot before `start` runs any hook code, which may register more hooks. */
  add(start: () => Promise<HookReport>): void {
    const slot = this.results.length++;
    this.#pending++;
    void start().then((report) => {
      this.results[slot] = report;
      this.#pending--;
      for (const waiter of this.#waiters) if (this.#pending <= waiter.left) waiter.resolve();
      this.#waiters = this.#waiters.filter((waiter) => this.#pending > waiter.left);
      if (this.#pending === 0) this.close();
    });
  }

  /** Resolves once at most `left` of the phase's hooks are still running. */
  until(left: number): Promise<void> {
    if (this.#pending <= left) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push({ left, resolve }));
  }

  /** Takes the hooks registered while the phase was closing, before it ends. */
  reopen(): void {
    this.closed = false;
    this.done = new Promise((resolve) => (this.#resolve = resolve));
  }

  close(): void {
    if (this.#pending > 0 || this.closed) return;
    this.closed = true;
    this.#resolve();
  }
}

/**
 * Runs one ordered, bounded shutdown sequence, exactly once, whatever starts it: a signal,
 * an uncaught error, or a `shutdown()` call. See the README for the sequence and the rules.
 */
export class ShutdownCoordinator extends EventEmitter<ShutdownEvents> {
  readonly #options: ResolvedOptions;
  readonly #log: Log;
  readonly #hooks = new Map<Phase, Set<Hook>>(PHASES.map((phase) => [phase, new Set()]));
  readonly #tasks: Tasks;
  readonly #stopping = new AbortController();
  readonly #force = new AbortController();
  readonly #onForce = new Set<() => void>();
  readonly #forced: Force = {
    signal: this.#force.signal,
    subscribe: (listener) => {
      this.#onForce.add(listener);
      return () => void this.#onForce.delete(listener);
    },
  };
  readonly #uninstallers: (() => void)[] = [];
  #state: CoordinatorState = 'running';
  #run: Promise<ShutdownReport> | undefined;
  #trigger: ShutdownTrigger | undefined;
  #budget: Budget | undefined;
  #requestedCode: number | undefined;
  #forcedCode: number | undefined;
  #signalled = false;
  #fatalCount = 0;
  #lastFatal: unknown;
  #active: ActivePhase | undefined;
  #drained = false;
  #abandoning: Promise<void> = Promise.resolve();
  #report: ShutdownReport | undefined;
  /** Hooks registered for an earlier phase between a phase's end and the next one's start. */
  readonly #joinNext: Hook[] = [];
  #phasesDone = false;
  readonly #servers = new Map<DrainableServer, { readonly drain: ServerDrain; readonly remove: () => void }>();
  readonly #phases: PhaseReport[] = [];
  readonly #errors: FatalErrorReport[] = [];

  /** Validates the options and starts listening for the signals (and, by default, fatal errors). */
  constructor(options?: ShutdownCoordinatorOptions) {
    super();
    this.#options = resolveOptions(options);
    this.#log = createLog(this.#options.logger);
    this.#tasks = new Tasks(this.#log);
    for (const signal of this.#options.signals) {
      this.#uninstallers.push(onProcessEvent(signal, () => this.#onSignal(signal)));
    }
    // In a cluster worker, the primary's request is a trigger like a signal.
    const fromPrimary = onPrimaryAsks(() => void this.shutdown({ reason: 'cluster primary' }));
    if (fromPrimary !== undefined) this.#uninstallers.push(fromPrimary);
    if (this.#options.handleErrors) {
      // Both, so a rejection starts the shutdown even when another library listens for
      // 'unhandledRejection' (which stops Node's own crash) or Node runs with --unhandled-rejections=warn.
      this.#uninstallers.push(
        onProcessEvent('uncaughtException', (error: unknown, origin: 'uncaughtException' | 'unhandledRejection') =>
          this.#onFatal(error, origin),
        ),
        onProcessEvent('unhandledRejection', (reason: unknown) => this.#onFatal(reason, 'unhandledRejection')),
      );
    }
  }

  /** `running`, `stopping` or `stopped`. */
  get state(): CoordinatorState {
    return this.#state;
  }

  /**
   * Aborts when the shutdown starts. Give it to loops that take new work (consumers, pollers);
   * give a task's own signal (from `run`) to the work being drained.
   */
  get signal(): AbortSignal {
    return this.#stopping.signal;
  }

  /** True until the shutdown starts: what a readiness probe should report. */
  get ready(): boolean {
    return this.#state === 'running';
  }

  /**
   * A request handler for a readiness endpoint: 200 while running, 503 (with `Connection: close`)
   * from the trigger on. Works with `http`, Express, Koa's `ctx.req`/`ctx.res`, and the like.
   */
  readonly readinessHandler = (_req: IncomingMessage, res: ServerResponse): void => {
    const ready = this.ready;
    res.statusCode = ready ? 200 : 503;
    res.setHeader('content-type', 'text/plain; charset=utf-8');
    if (!ready) res.setHeader('connection', 'close');
    res.end(ready ? 'ready\n' : 'stopping\n');
  };

  /**
   * Drains `server` in `close-http`: stop listening, `Connection: close` on every response,
   * idle keep-alive sockets closed, HTTP/2 sessions sent GOAWAY, upgraded sockets handed to
   * `onUpgraded`, and whatever is left destroyed at the deadline. Connections are tracked from
   * this call on, so add the server before it listens. Adding the same server again is a no-op.
   * @returns A function that stops tracking the server and removes its hook.
   */
  addServer(server: DrainableServer, options?: AddServerOptions): () => void {
    if (!isDrainableServer(server)) {
      throw invalidType('addServer(server)', 'an http, https or http2 server (what app.listen() returns, not the app)', server);
    }
    const existing = this.#servers.get(server);
    if (existing !== undefined) return existing.remove;
    const { name = 'http server', timeout, onUpgraded } = validateServerOptions(options);
    const drain = new ServerDrain(server, name, onUpgraded, this.#log);
    const close = (): void => drain.close();
    if (this.#stopping.signal.aborted) close();
    else this.#stopping.signal.addEventListener('abort', close, { once: true });
    const unregister = this.register({ name, phase: 'close-http', timeout, run: ({ signal }) => drain.drain(signal) });
    const remove = (): void => {
      unregister();
      drain.detach();
      this.#stopping.signal.removeEventListener('abort', close);
      this.#servers.delete(server);
    };
    this.#servers.set(server, { drain, remove });
    return remove;
  }

  /**
   * In a cluster primary: at the trigger, asks every worker to shut down (an IPC message their
   * coordinators take as a trigger), and waits in `close-http` for them to exit; workers still
   * running at the deadline are killed. Fork no replacements while `state` is not `running`.
   * @returns A function that removes it.
   */
  addCluster(options?: AddClusterOptions): () => void {
    if (!cluster.isPrimary) throw new LastcallError('LASTCALL_ERR_NOT_PRIMARY', 'lastcall: addCluster() is for the cluster primary; workers follow it on their own');
    const { name = 'cluster workers', timeout } = validateClusterOptions(options);
    const askAll = (): void => {
      for (const worker of Object.values(cluster.workers ?? {})) if (worker !== undefined) askToStop(worker);
    };
    if (this.#stopping.signal.aborted) askAll();
    else this.#stopping.signal.addEventListener('abort', askAll, { once: true });
    const unregister = this.register({ name, phase: 'close-http', timeout, run: ({ signal }) => waitForWorkers(signal) });
    return () => {
      unregister();
      this.#stopping.signal.removeEventListener('abort', askAll);
    };
  }

  /** How many tracked tasks have not settled yet. */
  get inFlight(): number {
    return this.#tasks.size;
  }

  /**
   * Adds a hook to a phase. A hook registered after its phase has started runs at once.
   * @returns A function that removes the hook if it has not started yet.
   */
  register(hook: Hook): () => void {
    const entry = validateHook(hook);
    const hooks = this.#hooks.get(entry.phase)!;
    hooks.add(entry);
    this.#runIfLate(entry);
    return () => void hooks.delete(entry);
  }

  /**
   * Tracks work already under way: the drain waits for it, and hands it to `onAbandon` if it
   * is still running at the drain deadline. Work handed over after the drain is abandoned at once.
   * @returns The promise it was given.
   */
  track<P extends PromiseLike<unknown>>(promise: P, options?: TaskOptions): P {
    if (typeof (promise as { then?: unknown } | null)?.then !== 'function') {
      throw invalidType('track(promise)', 'a promise', promise);
    }
    const taskOptions = validateTaskOptions('track', options);
    const stack = this.#stackOf(this.track);
    if (this.#drained) this.#refuse(taskOptions, stack);
    else this.#tasks.add(promise, taskOptions, stack);
    return promise;
  }

  /**
   * Starts `fn(signal)` as a tracked task. Its `signal` aborts only when the task is abandoned,
   * so pass it to the task's own requests. After the drain has ended, `fn` is not started:
   * `onAbandon` runs and the promise rejects with `LASTCALL_ERR_DRAINED`.
   */
  run<T>(fn: (signal: AbortSignal) => T | PromiseLike<T>, options?: TaskOptions): Promise<Awaited<T>> {
    if (typeof fn !== 'function') throw invalidType('run(fn)', 'a function', fn);
    const taskOptions = validateTaskOptions('run', options);
    const stack = this.#stackOf(this.run);
    if (this.#drained) {
      const name = this.#refuse(taskOptions, stack);
      const refused = Promise.reject(new LastcallError('LASTCALL_ERR_DRAINED', `lastcall: task "${name}" was not started: the drain has ended`));
      // Logged and handed to onAbandon already: a caller that does not await it has not crashed.
      refused.catch(() => {});
      return refused;
    }
    return this.#tasks.start(fn, taskOptions, stack, this);
  }

  /**
   * Starts the shutdown, or joins the one under way: every call gets the same promise. Called
   * from inside a hook or a task, it also releases that hook or task from the run's wait.
   * @returns The report, once the sequence has run (with `exit: true`, just before the exit).
   */
  shutdown(options?: ShutdownOptions): Promise<ShutdownReport> {
    const { reason, exitCode } = validateShutdownOptions(options);
    currentCaller(this)?.release();
    if (this.#run === undefined) return this.#start({ type: 'call', reason }, exitCode);
    // Joining: the first exit code asked for still counts if the report is not made yet.
    if (this.#state === 'stopping') this.#requestedCode ??= exitCode;
    return this.#run;
  }

  /** Removes every process listener this coordinator added. Safe to call more than once. */
  uninstall(): void {
    for (const uninstall of this.#uninstallers.splice(0)) uninstall();
  }

  #onSignal(signal: NodeJS.Signals): void {
    const repeated = this.#signalled;
    this.#signalled = true;
    if (this.#state === 'running') {
      void this.#start({ type: 'signal', signal });
      return;
    }
    // A first signal joins a run that code or an error started (a rollout's SIGTERM must not
    // cut a drain short); only a signal after a signal means "now".
    if (!repeated) {
      this.#log.warn(`${signal} received while stopping: joining the shutdown under way (send it again to exit at once)`);
      return;
    }
    const code = 128 + constants.signals[signal];
    this.#forceExit(code, `${signal} received again while stopping: exiting now with code ${code}`);
  }

  #onFatal(error: unknown, origin: 'uncaughtException' | 'unhandledRejection'): void {
    // --unhandled-rejections=strict raises a rejection as an uncaught exception, then emits it again.
    if (origin === 'unhandledRejection' && error === this.#lastFatal && error !== undefined) return;
    this.#lastFatal = error;
    // Logging an error can raise another (EPIPE on a closed stdout): past a few, count them quietly.
    if (++this.#fatalCount <= LOGGED_FATAL_ERRORS) this.#log.error(`${origin}: ${describeError(error)}`);
    if (this.#fatalCount === LOGGED_FATAL_ERRORS) this.#log.error('further uncaught errors are recorded, not logged');
    if (this.#state === 'running') {
      void this.#start({ type: 'error', origin, error });
      return;
    }
    if (this.#errors.length < RECORDED_FATAL_ERRORS) this.#errors.push({ origin, error });
    // State after an uncaught error is undefined (Node's docs): a second one ends it at once.
    if (this.#trigger?.type === 'error') {
      this.#forceExit(this.#options.exitCodes.error, `second fatal error while stopping: exiting now`);
    }
  }

  #start(trigger: ShutdownTrigger, requestedCode?: number): Promise<ShutdownReport> {
    const budget = createBudget(this.#options.timeout);
    this.#state = 'stopping';
    this.#trigger = trigger;
    this.#budget = budget;
    this.#requestedCode = requestedCode;
    this.#tasks.markStopping();
    if (this.#options.exit) atInstant(budget.end, () => this.#budgetSpent(), { unref: true });
    if (this.#options.watchdog) {
      const message = `lastcall: the event loop was still blocked ${WATCHDOG_GRACE} ms after the budget of ${ms(this.#options.timeout)}: watchdog kills the process (SIGKILL)\n`;
      startWatchdog(this.#options.timeout + WATCHDOG_GRACE, message);
    }
    // The run's promise exists before anything it calls can call `shutdown()` back.
    const run = Promise.resolve().then(() => this.#execute(trigger, budget));
    this.#run = run;
    this.#stopping.abort(new DOMException(`lastcall: shutdown started by ${describeTrigger(trigger)}`, 'AbortError'));
    return run;
  }

  async #execute(trigger: ShutdownTrigger, budget: Budget): Promise<ShutdownReport> {
    const startedAt = toEpoch(budget.start);
    this.#emit('start', { trigger, startedAt, timeout: this.#options.timeout });
    this.#log.info(`shutdown started by ${describeTrigger(trigger)} (budget ${ms(this.#options.timeout)})`);
    await this.#readinessDelay(budget);
    for (const phase of PHASES) {
      if (this.#force.signal.aborted) this.#endPhase(skipped(phase));
      else await this.#runPhase(phase, budget);
    }
    // Work refused after the drain is being handed back; the report must count it.
    await settledBy(this.#abandoning, budget.end - budget.exitReserve);
    const facts = this.#facts(false);
    const report: ShutdownReport = {
      trigger,
      startedAt,
      duration: performance.now() - budget.start,
      outcome: outcomeOf(facts),
      exitCode: exitCodeOf(facts, this.#options.exitCodes),
      phases: this.#phases,
      errors: [...this.#errors],
      tasks: this.#tasks.report(),
      servers: [...this.#servers.values()].map(({ drain }) => drain.report()),
    };
    this.#report = report;
    this.#state = 'stopped';
    this.#emit('report', report);
    const say = report.outcome === 'clean' ? this.#log.info : this.#log.warn;
    say(`shutdown ${report.outcome} in ${ms(report.duration)}: exit code ${report.exitCode}`);
    process.exitCode = report.exitCode;
    if (this.#options.exit) void this.#exit(report.exitCode, budget);
    else this.#settleWithoutExit(budget);
    return report;
  }

  /** Keeps serving (readiness 503, `Connection: close`) while load balancers take the instance out. */
  async #readinessDelay(budget: Budget): Promise<void> {
    const delay = this.#options.readinessDelay;
    if (delay === 0) return;
    this.#log.info(`readiness is 503: serving for ${ms(delay)} more before stopping intake`);
    const forced = new Promise((resolve) => this.#force.signal.addEventListener('abort', resolve, { once: true }));
    await settledBy(forced, Math.min(budget.start + delay, phaseCap(budget, 'stop-intake')));
  }

  async #runPhase(phase: Phase, budget: Budget): Promise<void> {
    const start = performance.now();
    const active = new ActivePhase(phase);
    this.#active = active;
    // A snapshot: a hook that registers another of its own phase starts it late, once.
    for (const hook of [...this.#hooks.get(phase)!]) this.#startHook(hook, active, false);
    for (const hook of this.#joinNext.splice(0)) this.#startHook(hook, active, true);
    if (phase === 'drain') active.add(() => this.#drainTasks(budget, active));
    active.close();
    await active.done;
    // Hooks registered as this phase was closing belong to it: it takes them before it ends.
    while (this.#joinNext.length > 0) {
      active.reopen();
      for (const hook of this.#joinNext.splice(0)) this.#startHook(hook, active, true);
      active.close();
      await active.done;
    }
    // One synchronous step from the last check to the phase's end, so no hook falls in between.
    this.#endPhase(phaseReport(active, start));
    if (phase === 'exit') this.#phasesDone = true;
  }

  #endPhase(report: PhaseReport): void {
    this.#phases.push(report);
    this.#emit('phase', report);
    this.#logPhase(report);
  }

  #startHook(hook: Hook, active: ActivePhase, late: boolean): void {
    const run = { owner: this, trigger: this.#trigger!, cap: phaseCap(this.#budget!, hook.phase), force: this.#forced, late };
    active.add(() => runHook(hook, run).then((report) => (this.#onHookEnd(report), report)));
  }

  /** Rule: a hook registered after its phase began still runs, so nothing it closes is left open. */
  #runIfLate(hook: Hook): void {
    const active = this.#active;
    if (this.#state === 'running') return;
    if (this.#state === 'stopping' && !this.#phasesDone) {
      // Before the first phase, or for a phase still ahead: it runs with its phase.
      if (active === undefined || phaseIndex(hook.phase) > phaseIndex(active.phase)) return;
      if (!active.closed) this.#startHook(hook, active, true);
      // The phase has just ended and the loop is on its way to the next: join that one.
      else this.#joinNext.push(hook);
      return;
    }
    // The phases are over: the hook still runs, bounded by its own timeout or the whole budget.
    const cap = performance.now() + (hook.timeout ?? this.#options.timeout);
    void runHook(hook, { owner: this, trigger: this.#trigger!, cap, force: this.#forced, late: true }).then((report) =>
      this.#onHookEnd(report),
    );
  }

  /**
   * The drain's own hook: wait for tracked tasks, then hand the stragglers back. It also waits
   * for the phase's other hooks, since work they track before they end must be awaited too.
   */
  async #drainTasks(budget: Budget, active: ActivePhase): Promise<HookReport> {
    const start = performance.now();
    const cap = phaseCap(budget, 'drain');
    await settledBy(active.until(1), cap);
    // A task may start between the set emptying and this continuation running: look again.
    do await this.#tasks.waitUntil(cap);
    while (this.#tasks.size > 0 && performance.now() < cap);
    // From here on new work is refused, so nothing can start after the drain has looked.
    this.#drained = true;
    const stragglers = this.#tasks.size;
    if (stragglers > 0) {
      this.#log.warn(`drain deadline reached with ${stragglers} task(s) in flight: abandoning them`);
      // onAbandon gets the first half of the slice: a hanging nack must not take close-clients' time.
      this.#handBack(this.#tasks.abandonAll(phaseCap(budget, 'drain') + budget.abandonReserve / 2));
    }
    await this.#abandoning;
    const outcome = this.#force.signal.aborted ? 'aborted' : stragglers > 0 ? 'timeout' : 'ok';
    const report: HookReport = { name: TASKS_HOOK, phase: 'drain', outcome, duration: performance.now() - start, late: false };
    this.#emit('hook', report);
    return report;
  }

  #refuse(options: TaskOptions, stack: string | undefined): string {
    const name = options.name ?? 'unnamed task';
    this.#log.warn(`task "${name}" handed over after the drain ended: abandoned at once`);
    this.#handBack(this.#tasks.abandonLate(options, stack, performance.now() + (this.#budget?.abandonReserve ?? 0)));
    return name;
  }

  /** The report and the exit wait for every hand-back (nack, requeue) under way. */
  #handBack(abandoning: Promise<void>): void {
    this.#abandoning = Promise.all([this.#abandoning, abandoning]).then(() => {});
  }

  #stackOf(api: (...args: never[]) => unknown): string | undefined {
    return this.#options.taskStacks ? callerStack(api) : undefined;
  }

  /** A repeated signal, or a second fatal error: abort everything, skip to the exit. */
  #forceExit(code: number, why: string): void {
    // Already forcing: the exit comes within the grace, and a storm of signals must not cut it.
    if (this.#forcedCode !== undefined) return;
    this.#forcedCode = code;
    this.#log.warn(why);
    if (this.#state === 'stopped') {
      // The report is made and the exit's flush under way: bound what is left of it to the grace.
      if (this.#options.exit) setTimeout(() => process.exit(code), FORCE_GRACE).unref();
      return;
    }
    this.#drained = true;
    this.#handBack(this.#tasks.abandonAll(performance.now() + FORCE_GRACE));
    this.#force.abort(new DOMException(`lastcall: ${why}`, 'AbortError'));
    for (const listener of [...this.#onForce]) listener();
  }

  async #exit(code: number, budget: Budget): Promise<void> {
    // Whoever awaits shutdown() sees the report first: a tick runs once the microtask queue,
    // and every continuation of the run's promise in it, has drained. Not a macrotask: after
    // thousands of closed connections the next loop turn holds Node's deferred parser
    // closes (one setImmediate per connection past its free list), 15 ms at 10,000.
    await new Promise((resolve) => process.nextTick(resolve));
    const limit = this.#forcedCode === undefined ? budget.end : Math.min(budget.end, performance.now() + FORCE_GRACE);
    await Promise.all([flushOutput(this.#log, limit), settledBy(this.#abandoning, limit)]);
    // Through process.exit, so the exit listeners of loggers (pino) still run.
    process.exit(code);
  }

  /** The last resort: whatever is still running, the process ends at the total budget. */
  #budgetSpent(): void {
    if (this.#report !== undefined) return process.exit(this.#report.exitCode);
    const code = exitCodeOf(this.#facts(true), this.#options.exitCodes);
    this.#log.error(`budget of ${ms(this.#options.timeout)} spent before the shutdown finished: exiting with code ${code}; still alive: ${describeActiveResources()}`);
    process.exit(code);
  }

  #settleWithoutExit(budget: Budget): void {
    // Signals get their default action back: a further Ctrl-C ends a process that lingers.
    this.uninstall();
    const check = Math.max(budget.end, performance.now() + ALIVE_GRACE);
    atInstant(check, () => this.#log.warn(`process still running after the shutdown; it is held open by: ${describeActiveResources()}`), {
      unref: true,
    });
  }

  #facts(overran: boolean): RunFacts {
    const hookFailed = this.#phases.some((phase) => phase.outcome === 'failed');
    return {
      forcedCode: this.#forcedCode,
      requestedCode: this.#requestedCode,
      errored: this.#trigger?.type === 'error' || this.#errors.length > 0,
      failed: overran || hookFailed || this.#tasks.report().abandoned.length > 0,
    };
  }

  #onHookEnd(report: HookReport): void {
    this.#emit('hook', report);
    const where = `hook "${report.name}" (${report.phase})`;
    if (report.outcome === 'error') this.#log.error(`${where} failed: ${describeError(report.error)}`);
    else if (report.outcome === 'timeout') this.#log.warn(`${where} timed out after ${ms(report.duration)}`);
    else if (report.outcome === 'released') this.#log.info(`${where} called shutdown(): no longer waited for`);
  }

  #logPhase(report: PhaseReport): void {
    if (report.outcome === 'skipped') return this.#log.warn(`${report.name}: skipped`);
    if (report.hooks.length === 0) return this.#log.info(`${report.name}: no hooks`);
    const problems = report.hooks.filter((hook) => hook.outcome !== 'ok').map((hook) => `${hook.name}: ${hook.outcome}`);
    const detail = problems.length === 0 ? `${report.hooks.length} ok` : problems.join(', ');
    const say = report.outcome === 'ok' ? this.#log.info : this.#log.warn;
    say(`${report.name}: ${report.outcome} in ${ms(report.duration)} (${detail})`);
  }

  /** Listeners are the application's code: one that throws must not break the shutdown. */
  #emit<E extends keyof ShutdownEvents>(event: E, data: ShutdownEvents[E][0]): void {
    try {
      (this.emit as (event: E, data: ShutdownEvents[E][0]) => boolean)(event, data);
      publish(this, event, data);
    } catch (error) {
      this.#log.error(`a "${event}" listener threw: ${describeError(error)}`);
    }
  }
}

function phaseReport(active: ActivePhase, start: number): PhaseReport {
  const failed = active.results.some((hook) => hook.outcome !== 'ok' && hook.outcome !== 'released');
  return { name: active.phase, outcome: failed ? 'failed' : 'ok', duration: performance.now() - start, hooks: active.results };
}

function skipped(phase: Phase): PhaseReport {
  return { name: phase, outcome: 'skipped', duration: 0, hooks: [] };
}

function validateHook(hook: unknown): Hook {
  if (typeof hook !== 'object' || hook === null) throw invalidType('register(hook)', 'an object', hook);
  const { name, phase, timeout, run } = hook as Record<string, unknown>;
  if (typeof name !== 'string' || name.length === 0) throw invalidType('hook.name', 'a non-empty string', name);
  if (!isPhase(phase)) throw invalidType('hook.phase', `one of ${PHASES.join(', ')}`, phase);
  if (typeof run !== 'function') throw invalidType('hook.run', 'a function', run);
  return {
    name,
    phase,
    timeout: timeout === undefined ? undefined : validateDuration('hook.timeout', timeout),
    run: run as Hook['run'],
  };
}

function validateServerOptions(options: unknown): AddServerOptions {
  if (options === undefined) return {};
  if (!isPlainObject(options)) throw invalidType('addServer(…, options)', 'an object', options);
  const { name, timeout, onUpgraded } = options;
  if (name !== undefined && (typeof name !== 'string' || name.length === 0)) throw invalidType('options.name', 'a non-empty string', name);
  if (onUpgraded !== undefined && typeof onUpgraded !== 'function') throw invalidType('options.onUpgraded', 'a function', onUpgraded);
  return {
    ...(name === undefined ? {} : { name }),
    ...(timeout === undefined ? {} : { timeout: validateDuration('options.timeout', timeout) }),
    ...(onUpgraded === undefined ? {} : { onUpgraded: onUpgraded as AddServerOptions['onUpgraded'] & {} }),
  };
}

function validateClusterOptions(options: unknown): AddClusterOptions {
  if (options === undefined) return {};
  if (!isPlainObject(options)) throw invalidType('addCluster(options)', 'an object', options);
  const { name, timeout } = options;
  if (name !== undefined && (typeof name !== 'string' || name.length === 0)) throw invalidType('options.name', 'a non-empty string', name);
  return {
    ...(name === undefined ? {} : { name }),
    ...(timeout === undefined ? {} : { timeout: validateDuration('options.timeout', timeout) }),
  };
}

// Shared: track() is called per request or message, and an object each time shows in its cost.
const NO_TASK_OPTIONS: TaskOptions = Object.freeze({});

function validateTaskOptions(call: string, options: unknown): TaskOptions {
  if (options === undefined) return NO_TASK_OPTIONS;
  if (!isPlainObject(options)) throw invalidType(`${call}(…, options)`, 'an object', options);
  const { name, onAbandon } = options;
  if (name !== undefined && (typeof name !== 'string' || name.length === 0)) throw invalidType('options.name', 'a non-empty string', name);
  if (onAbandon !== undefined && typeof onAbandon !== 'function') throw invalidType('options.onAbandon', 'a function', onAbandon);
  return options as TaskOptions;
}

function validateShutdownOptions(options: unknown): { reason: string | undefined; exitCode: number | undefined } {
  if (options === undefined) return { reason: undefined, exitCode: undefined };
  if (!isPlainObject(options)) throw invalidType('shutdown(options)', 'an object', options);
  const { reason, exitCode } = options;
  if (reason !== undefined && typeof reason !== 'string') throw invalidType('options.reason', 'a string', reason);
  return { reason, exitCode: exitCode === undefined ? undefined : validateExitCode('options.exitCode', exitCode) };
}
