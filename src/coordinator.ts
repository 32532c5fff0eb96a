import type { ChildProcess } from 'node:child_process';
import type { EventEmitter as Emitter } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Worker } from 'node:worker_threads';
import { addCluster } from './cluster/add-cluster.js';
import type { AddClusterOptions } from './cluster/primary.js';
import { exitAtBudget, exitNow, exitTogether, joinExit, type ExitMember } from './exit/process-exit.js';
import { exitCodeOf } from './exit/exit-code.js';
import { exitProcess } from './exit/exit-process.js';
import { warnIfLingering } from './exit/warn-if-lingering.js';
import { watchForeignExit } from './exit/watch-foreign-exit.js';
import { startWatchdog } from './exit/watchdog.js';
import { Arrivals } from './http/arrivals.js';
import { readinessHandler } from './http/readiness.js';
import type { AddServerOptions, DrainableServer } from './http/server-drain.js';
import { ServerRegistry } from './http/server-registry.js';
import { hookOf, shutdownOptions, taskOptions, type AddChildOptions, type AddWorkerOptions, type ShutdownOptions, type StartOptions } from './options/call-options.js';
import { longestDelay, resolveOptions, type ResolvedOptions, type ShutdownCoordinatorOptions } from './options/coordinator-options.js';
import { invalidType } from './options/errors.js';
import { checkPlan } from './plan/check-plan.js';
import { buildReport, factsOf, type RunRecord } from './report/build-report.js';
import { emitEvent, type ShutdownEvents } from './report/events.js';
import { logHookEnd, logPhase } from './report/log-lines.js';
import { createLog, type Log } from './report/log.js';
import { ms } from './report/ms.js';
import { skippedPhase } from './report/phase-report.js';
import type { HookReport, PhaseReport, ShutdownReport } from './report/report.js';
import { builtin } from './runtime/builtin.js';
import { createBudget, toEpoch, type Budget } from './sequence/budget.js';
import { currentCaller } from './sequence/caller.js';
import { atInstant, settledBy } from './sequence/deadline.js';
import { createForce, FORCE_GRACE } from './sequence/force.js';
import { onAbort } from './sequence/on-abort.js';
import { PhaseRunner } from './sequence/phase-runner.js';
import { PHASES, type Phase } from './sequence/phases.js';
import { readinessDelay } from './sequence/readiness-delay.js';
import type { Hook } from './sequence/run-hook.js';
import type { Wiring } from './sequence/wiring.js';
import type { StartUpContext } from './start/run-start-up.js';
import { StartUp } from './start/start-up.js';
import { callerStack } from './tasks/caller-stack.js';
import { drainHook } from './tasks/drain-hook.js';
import { Tasks, type TaskOptions } from './tasks/tasks.js';
import { FatalErrors } from './triggers/fatal-errors.js';
import { listenForTriggers } from './triggers/listen-for-triggers.js';
import { signalNumber } from './triggers/signal-number.js';
import { describeTrigger, type ShutdownTrigger } from './triggers/trigger.js';
import { Subprocesses } from './workers/subprocesses.js';

// Loaded by Node's own bootstrap: taking it costs nothing.
const EventEmitter: typeof Emitter = builtin('node:events').EventEmitter;

/** `running` until a trigger, `stopping` during the sequence, `stopped` once the report is made. */
export type CoordinatorState = 'running' | 'stopping' | 'stopped';

// With `exit: false`, how long after the run the process may take to end before we say what holds it.
const ALIVE_GRACE = 1_000;

/**
 * Runs one ordered, bounded shutdown sequence, exactly once, whatever starts it: a signal,
 * an uncaught error, or a `shutdown()` call. docs/guarantees.md lists what it promises.
 */
export class ShutdownCoordinator extends EventEmitter<ShutdownEvents> {
  readonly #options: ResolvedOptions;
  readonly #log: Log;
  readonly #hooks = new Map<Phase, Set<Hook>>(PHASES.map((phase) => [phase, new Set()]));
  readonly #tasks: Tasks;
  readonly #fatal: FatalErrors;
  readonly #stopping = new AbortController();
  /** When requests arrive at the servers: what an adaptive readiness delay goes by. */
  readonly #arrivals = new Arrivals();
  /** A repeated signal or a second fatal error: every hook's signal aborts, the phases left are skipped. */
  readonly #force = createForce();
  readonly #uninstallers: (() => void)[];
  /** What the features that add hooks (servers, the cluster, workers, children) take from this coordinator. */
  readonly #wiring: Wiring;
  readonly #servers: ServerRegistry;
  readonly #subprocesses: Subprocesses;
  readonly #startUp: StartUp;
  readonly #checkListeners: (when: string) => void;
  /** This coordinator's part in the process's one exit, shared with every other coordinator. */
  readonly #member: ExitMember;
  #endsBy: number | undefined;
  readonly #phases: PhaseReport[] = [];
  #state: CoordinatorState = 'running';
  #run: Promise<ShutdownReport> | undefined;
  #trigger: ShutdownTrigger | undefined;
  #requestedCode: number | undefined;
  #forcedCode: number | undefined;
  #signalled = false;
  #runner: PhaseRunner | undefined;
  #report: ShutdownReport | undefined;

  /** Validates the options and starts listening for the signals (and, by default, fatal errors). */
  constructor(options?: ShutdownCoordinatorOptions) {
    super();
    this.#options = resolveOptions(options);
    this.#log = createLog(this.#options.logger);
    this.#tasks = new Tasks(this.#log);
    this.#fatal = new FatalErrors(this.#log);
    const { exit } = this.#options;
    this.#startUp = new StartUp({ log: this.#log, exit, stopping: this.#stopping.signal, fail: (error) => void this.#start({ type: 'start-up', error }) });
    // Requests are noted only when a readiness delay will look at them.
    const arrivals = this.#options.readinessDelay === 0 ? undefined : this.#arrivals;
    this.#wiring = { log: this.#log, register: (hook) => this.register(hook), atTrigger: (fn) => onAbort(this.#stopping.signal, fn), stopping: this.#stopping.signal, arrivals };
    this.#servers = new ServerRegistry(this.#wiring);
    this.#subprocesses = new Subprocesses(this.#wiring, this.#force);
    this.#uninstallers = listenForTriggers({
      ...this.#options,
      onSignal: (signal) => this.#onSignal(signal),
      onFatal: (error, origin) => this.#onFatal(error, origin),
      onPrimaryAsks: () => void this.shutdown({ reason: 'cluster primary' }),
      onPm2Shutdown: () => void this.shutdown({ reason: "PM2's shutdown message" }),
      onParentAsks: () => void this.shutdown({ reason: 'parent thread' }),
    });
    this.#checkListeners = checkPlan(this.#log, this.#options);
    this.#member = {
      finish: () => this.shutdown({ reason: 'another coordinator is ending the process' }).then((report) => report.exitCode),
      endsBy: () => this.#endsBy,
      log: this.#log,
      handingBack: () => Promise.all([this.#tasks.handingBack, this.#subprocesses.ending]).then(() => {}),
    };
    this.#uninstallers.push(joinExit(this.#member));
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

  /**
   * True once `start()` has completed and until the shutdown starts: what a readiness probe
   * should report. A service that never calls `start()` is never ready.
   */
  get ready(): boolean {
    return this.#startUp.readiness() === 'ready';
  }

  /**
   * A request handler for a readiness endpoint: 503 `starting` until `start()` has completed,
   * 200 `ready`, then 503 `stopping` (with `Connection: close`) from the trigger on. It takes
   * Node's `req, res`: Express's, Koa's `ctx.req`/`ctx.res`, Fastify's `request.raw`/`reply.raw`.
   */
  readonly readinessHandler: (req: IncomingMessage, res: ServerResponse) => void = readinessHandler(() => this.#startUp.readiness(), this.#arrivals);

  /**
   * Runs the service's start-up: `fn({ signal })` connects, warms up and listens, and the
   * service is ready once it resolves. If it throws, rejects or outlasts `timeout`, the shutdown
   * starts (trigger `start-up`, exit code `exitCodes.startUp`), running the hooks of whatever it
   * opened. A trigger during the start-up aborts `signal`, and the service never becomes ready.
   * Without `fn`, it just marks the service started.
   * @returns A promise that resolves once the service is ready. When it never becomes ready, the
   * promise never settles with `exit: true` (the process ends through the shutdown), and rejects
   * with a `LastcallError` `LASTCALL_ERR_NOT_STARTED` with `exit: false`; either way, code after
   * `await coordinator.start()` never runs against a stopping service.
   */
  start(fn?: (context: StartUpContext) => unknown, options?: StartOptions): Promise<void> {
    this.#checkListeners('at start()');
    return this.#startUp.start(fn, options);
  }

  /** How many tracked tasks have not settled yet. */
  get inFlight(): number {
    return this.#tasks.size;
  }

  /**
   * Drains `server` in `close-http`: stop listening, `Connection: close` on every response,
   * idle keep-alive sockets closed, HTTP/2 sessions sent GOAWAY, upgraded sockets handed to
   * `onUpgraded`, and whatever is left destroyed at the deadline. Connections are tracked from
   * this call on, so add the server before it listens. Adding the same server again is a no-op.
   * @returns A function that stops tracking the server and removes its hook.
   */
  addServer(server: DrainableServer, options?: AddServerOptions): () => void {
    return this.#servers.add(server, options);
  }

  /**
   * In a cluster primary: at the trigger, asks every worker to shut down (an IPC message their
   * coordinators take as a trigger), and waits in `close-http` for them to exit; workers still
   * running at the deadline are killed. Fork no replacements while `state` is not `running`.
   * @returns A function that removes it.
   */
  addCluster(options?: AddClusterOptions): () => void {
    return addCluster(options, this.#wiring);
  }

  /** Stops a worker thread in `close-clients`: asks its coordinator, waits for the exit, terminates it at the deadline; returns its removal. */
  addWorker(worker: Worker, options?: AddWorkerOptions): () => void {
    return this.#subprocesses.addWorker(worker, options);
  }

  /** Stops a child process in `close-clients`: sends it `signal`, waits for the exit, SIGKILL at the deadline; returns its removal. */
  addChild(child: ChildProcess, options?: AddChildOptions): () => void {
    return this.#subprocesses.addChild(child, options);
  }

  /**
   * Adds a hook to a phase. A hook registered after its phase has started runs at once.
   * @returns A function that removes the hook if it has not started yet.
   */
  register(hook: Hook): () => void {
    const entry = hookOf(hook);
    const hooks = this.#hooks.get(entry.phase)!;
    hooks.add(entry);
    // A hook registered after its phase began still runs, so nothing it closes is left open.
    this.#runner?.place(entry, this.#options.timeout);
    return () => void hooks.delete(entry);
  }

  /**
   * Tracks work already under way: the drain waits for it, and hands it to `onAbandon` if it
   * is still running at the drain deadline. Work handed over after the drain is abandoned at once.
   * @returns The promise it was given.
   */
  track<P extends PromiseLike<unknown>>(promise: P, options?: TaskOptions): P {
    if (typeof (promise as { then?: unknown } | null)?.then !== 'function') throw invalidType('track(promise)', 'a promise', promise);
    this.#tasks.add(promise, taskOptions('track', options), this.#stackOf(this.track));
    return promise;
  }

  /**
   * Starts `fn(signal)` as a tracked task. Its `signal` aborts only when the task is abandoned,
   * so pass it to the task's own requests. After the drain has ended, `fn` is not started:
   * `onAbandon` runs and the promise rejects with `LASTCALL_ERR_DRAINED`.
   */
  run<T>(fn: (signal: AbortSignal) => T | PromiseLike<T>, options?: TaskOptions): Promise<Awaited<T>> {
    if (typeof fn !== 'function') throw invalidType('run(fn)', 'a function', fn);
    return this.#tasks.start(fn, taskOptions('run', options), this.#stackOf(this.run), this);
  }

  /**
   * Starts the shutdown, or joins the one under way: every call gets the same promise. Called
   * from inside a hook or a task, it also releases that hook or task from the run's wait.
   * @returns The report, once the sequence has run (with `exit: true`, just before the exit).
   * Rejects with a `TypeError` or `RangeError`, and starts nothing, when `options` are invalid.
   */
  shutdown(options?: ShutdownOptions): Promise<ShutdownReport> {
    const asked = shutdownOptions(options);
    if (asked instanceof Error) return Promise.reject(asked);
    currentCaller(this)?.release();
    if (this.#run === undefined) return this.#start({ type: 'call', reason: asked.reason }, asked.exitCode);
    // Joining: the first exit code asked for still counts if the report is not made yet.
    if (this.#state === 'stopping') this.#requestedCode ??= asked.exitCode;
    return this.#run;
  }

  /** Removes every process listener this coordinator added. Safe to call more than once. */
  uninstall(): void {
    for (const uninstall of this.#uninstallers.splice(0)) uninstall();
  }

  #onSignal(signal: NodeJS.Signals): void {
    const repeated = this.#signalled;
    this.#signalled = true;
    if (this.#state === 'running') return void this.#start({ type: 'signal', signal });
    // A first signal joins a run that code or an error started (a rollout's SIGTERM must not
    // cut a drain short); only a signal after a signal means "now".
    if (!repeated) return this.#log.warn(`${signal} received while stopping: joining the shutdown under way (send it again to exit at once)`);
    const code = 128 + signalNumber(signal)!;
    this.#forceExit(code, `${signal} received again while stopping: exiting now with code ${code}`);
  }

  #onFatal(error: unknown, origin: 'uncaughtException' | 'unhandledRejection'): void {
    // start()'s own rejection, awaited at the top of a module: the shutdown under way says why.
    if (this.#startUp.isOwnRejection(error) || !this.#fatal.take(error, origin)) return;
    if (this.#state === 'running') return void this.#start({ type: 'error', origin, error });
    this.#fatal.record(error, origin);
    // State after an uncaught error is undefined (Node's docs): a second one ends it at once.
    if (this.#trigger?.type === 'error') this.#forceExit(this.#options.exitCodes.error, 'second fatal error while stopping: exiting now');
  }

  #start(trigger: ShutdownTrigger, requestedCode?: number): Promise<ShutdownReport> {
    const triggeredAt = performance.now();
    this.#endsBy = triggeredAt + longestDelay(this.#options.readinessDelay) + this.#options.timeout;
    this.#state = 'stopping';
    this.#trigger = trigger;
    this.#requestedCode = requestedCode;
    this.#tasks.markStopping();
    if (this.#options.watchdog) startWatchdog(longestDelay(this.#options.readinessDelay) + this.#options.timeout, this.#subprocesses.watchedChildren());
    this.#checkListeners('at the trigger');
    const running = (): boolean => this.#state === 'stopping';
    this.#uninstallers.push(watchForeignExit(this.#log, { owner: this, running, runner: () => this.#runner, inFlight: () => this.#tasks.size }));
    // The run's promise exists before anything it calls can call `shutdown()` back.
    const run = Promise.resolve().then(() => this.#execute(trigger, triggeredAt));
    this.#run = run;
    this.#stopping.abort(new DOMException(`lastcall: shutdown started by ${describeTrigger(trigger)}`, 'AbortError'));
    return run;
  }

  /** The sequence: the readiness delay, then every phase in order, then the report and the exit. */
  async #execute(trigger: ShutdownTrigger, triggeredAt: number): Promise<ShutdownReport> {
    const startedAt = toEpoch(triggeredAt);
    const { timeout, readinessDelay: delay } = this.#options;
    this.#emit('start', { trigger, startedAt, timeout, readinessDelay: delay });
    this.#log.info(`shutdown started by ${describeTrigger(trigger)} (budget ${ms(timeout)}${delay === 0 ? '' : ', after the readiness delay'})`);
    const delayed = await readinessDelay(delay, triggeredAt, this.#arrivals, this.#force.signal, this.#log);
    // The budget is the phases': it starts once the load balancers have had their time.
    const budget = createBudget(timeout, delayed === undefined ? triggeredAt : performance.now());
    this.#endsBy = budget.end;
    if (this.#options.exit) atInstant(budget.end, () => this.#budgetSpent(), { unref: true });
    const onHookEnd = (report: HookReport, builtIn: boolean): void => {
      this.#emit('hook', report);
      if (!builtIn) logHookEnd(this.#log, report);
    };
    const onPhaseEnd = (report: PhaseReport): void => this.#endPhase(report);
    this.#runner = new PhaseRunner({ owner: this, hooks: this.#hooks, trigger, budget, force: this.#force, onHookEnd, onPhaseEnd });
    for (const phase of PHASES) {
      if (this.#force.signal.aborted) this.#endPhase(skippedPhase(phase));
      else await this.#runner!.run(phase, phase === 'drain' ? drainHook(this.#tasks, budget, this.#force.signal) : undefined);
    }
    // Work refused after the drain is being handed back, and what was killed is on its way out: the report counts both.
    await settledBy(this.#member.handingBack(), budget.end - budget.exitReserve);
    const report = buildReport(this.#record(), { startedAt, duration: performance.now() - triggeredAt }, this.#options.exitCodes, this.#servers.report(), delayed, this.#subprocesses.report());
    this.#report = report;
    this.#state = 'stopped';
    this.#emit('report', report);
    (report.outcome === 'clean' ? this.#log.info : this.#log.warn)(`shutdown ${report.outcome} in ${ms(report.duration)}: exit code ${report.exitCode}`);
    process.exitCode = report.exitCode;
    if (this.#options.exit) void this.#exit(report.exitCode, budget);
    else {
      // Signals get their default action back: a further Ctrl-C ends a process that lingers.
      this.uninstall();
      warnIfLingering(this.#log, Math.max(budget.end, performance.now() + ALIVE_GRACE));
    }
    return report;
  }

  #endPhase(report: PhaseReport): void {
    this.#phases.push(report);
    this.#emit('phase', report);
    logPhase(this.#log, report);
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
      if (this.#options.exit) setTimeout(() => exitProcess(code), FORCE_GRACE).unref();
      return;
    }
    this.#tasks.abandonAll(performance.now() + FORCE_GRACE);
    this.#force.abort(new DOMException(`lastcall: ${why}`, 'AbortError'));
  }

  #exit(code: number, budget: Budget): Promise<void> {
    if (this.#forcedCode !== undefined) return exitNow(this.#member, code, Math.min(budget.end, performance.now() + FORCE_GRACE));
    return exitTogether(this.#member, code, budget.end);
  }

  /** The last resort: whatever is still running, the process ends at the total budget. */
  #budgetSpent(): void {
    exitAtBudget(this.#member, this.#options.timeout, this.#report?.exitCode ?? exitCodeOf(factsOf(this.#record(), true), this.#options.exitCodes), this.#report === undefined);
  }

  #record(): RunRecord {
    const run = { trigger: this.#trigger!, forcedCode: this.#forcedCode, requestedCode: this.#requestedCode };
    return { ...run, phases: this.#phases, errors: this.#fatal.recorded, tasks: this.#tasks.report() };
  }

  #emit<E extends keyof ShutdownEvents>(event: E, data: ShutdownEvents[E][0]): void {
    emitEvent(this, this.#log, event, data);
  }
}
