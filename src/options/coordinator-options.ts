import { DEFAULT_EXIT_CODES, type ExitCodes } from '../exit/exit-code.js';
import type { Logger } from '../report/log.js';
import { isWorkerThread } from '../workers/parent-thread.js';
import { invalidType, outOfRange } from './errors.js';
import type { ReadinessDelay } from '../sequence/readiness-delay.js';
import { boolean, duration, exitCode, isPlainObject, optional, optionsBag, signalName } from './validate.js';

/** Options of `new ShutdownCoordinator(options)`. Every one is optional. */
export interface ShutdownCoordinatorOptions {
  /**
   * The budget of the phases in ms, from the trigger (or the end of `readinessDelay`) to the
   * exit. Default 8000, which fits inside `docker stop`'s 10 s and Kubernetes' default 30 s.
   */
  readonly timeout?: number;
  /**
   * How long to keep serving after the trigger, with readiness answering 503 and every response
   * saying `Connection: close`, before `stop-intake` starts: the time load balancers need to take
   * the instance out. `timeout` starts after it. A number is a fixed delay in ms. `{ max, min? }`
   * ends it as soon as no request has arrived for long enough to show that they have stopped
   * sending (judged from the rate before the trigger), after `min` (default 0) and by `max`.
   * Default 0.
   */
  readonly readinessDelay?: ReadinessDelay;
  /**
   * Signals that start a shutdown. Default `['SIGTERM', 'SIGINT']`; `[]` for none. In a worker
   * thread, which no signal reaches, the default is `[]`: the parent's `addWorker()` asks instead.
   */
  readonly signals?: readonly NodeJS.Signals[];
  /**
   * Whether an uncaught exception or unhandled rejection starts a shutdown that exits with
   * `exitCodes.error`. The error is logged with its stack. Default true.
   */
  readonly handleErrors?: boolean;
  /**
   * Whether the coordinator ends the process (flushing output first); in a worker thread, the
   * thread only. With `false` it sets `process.exitCode` and resolves `shutdown()`: for tests,
   * and for programs that end on their own. Default true.
   */
  readonly exit?: boolean;
  /** Where lastcall writes its log: `console` (the default), a pino logger, or `false` for silence. */
  readonly logger?: Logger | false;
  /** Exit codes per outcome. Default `{ clean: 0, failed: 1, error: 1, startUp: 1 }`. */
  readonly exitCodes?: Partial<ExitCodes>;
  /**
   * Start a watchdog thread at the trigger that kills the process (SIGKILL, so the shell sees
   * 137) if it is still alive 100 ms after the budget, and first the children given to
   * `addChild()` that are still running: the only way out when a hook blocks the event loop
   * synchronously. Needs `exit: true`, and the main thread. Default false.
   */
  readonly watchdog?: boolean;
  /**
   * Milliseconds the platform gives from its SIGTERM to its SIGKILL (Kubernetes'
   * `terminationGracePeriodSeconds`, `docker stop -t`, PM2's `kill_timeout`). At construction
   * lastcall warns if `timeout` and `readinessDelay` do not fit in it with a margin. Without it,
   * the defaults of the platforms lastcall recognises are assumed, and the log says so.
   */
  readonly gracePeriod?: number;
  /**
   * Capture a stack trace where each task is tracked, to name where a straggler was started.
   * Costs a few µs per task. Default false.
   */
  readonly taskStacks?: boolean;
}

export interface ResolvedOptions {
  readonly timeout: number;
  readonly readinessDelay: ReadinessDelay;
  readonly signals: readonly NodeJS.Signals[];
  readonly handleErrors: boolean;
  readonly exit: boolean;
  readonly logger: Logger | false;
  readonly exitCodes: ExitCodes;
  readonly taskStacks: boolean;
  readonly watchdog: boolean;
  readonly gracePeriod: number | undefined;
}

const KEYS = ['timeout', 'readinessDelay', 'signals', 'handleErrors', 'exit', 'logger', 'exitCodes', 'watchdog', 'gracePeriod', 'taskStacks'] as const;
export const DEFAULT_TIMEOUT = 8_000;
const DEFAULT_SIGNALS: readonly NodeJS.Signals[] = ['SIGTERM', 'SIGINT'];
const UNCATCHABLE = new Set(['SIGKILL', 'SIGSTOP']);
// SIGUSR1 starts Node's inspector; a listener would take it over.
const RESERVED = new Set(['SIGUSR1']);

export function resolveOptions(value: unknown): ResolvedOptions {
  const options = optionsBag('options', value, KEYS);
  const timeout = optional(duration, 'options.timeout', options.timeout) ?? DEFAULT_TIMEOUT;
  const exit = optional(boolean, 'options.exit', options.exit) ?? true;
  return {
    timeout,
    readinessDelay: readinessDelay(options.readinessDelay),
    // Signals never reach a worker thread: its trigger is its parent's request.
    signals: options.signals === undefined ? (isWorkerThread() ? [] : DEFAULT_SIGNALS) : signals(options.signals),
    handleErrors: optional(boolean, 'options.handleErrors', options.handleErrors) ?? true,
    exit,
    logger: options.logger === undefined ? console : logger(options.logger),
    exitCodes: exitCodes(options.exitCodes),
    watchdog: watchdog(options.watchdog, exit),
    gracePeriod: optional(duration, 'options.gracePeriod', options.gracePeriod),
    taskStacks: optional(boolean, 'options.taskStacks', options.taskStacks) ?? false,
  };
}

function readinessDelay(value: unknown): ReadinessDelay {
  if (value === undefined || typeof value === 'number') return optional(duration, 'options.readinessDelay', value, 0) ?? 0;
  if (!isPlainObject(value)) throw invalidType('options.readinessDelay', 'a number of milliseconds or { max, min? }', value);
  const bounds = optionsBag('options.readinessDelay', value, ['max', 'min'] as const);
  const max = duration('options.readinessDelay.max', bounds.max);
  const min = optional(duration, 'options.readinessDelay.min', bounds.min, 0);
  if (min !== undefined && min > max) throw outOfRange('options.readinessDelay.min', `at most options.readinessDelay.max (${max} ms)`, min);
  return min === undefined ? { max } : { max, min };
}

/** The longest a readiness delay can last. */
export function longestDelay(delay: ReadinessDelay): number {
  return typeof delay === 'number' ? delay : delay.max;
}

function watchdog(value: unknown, exit: boolean): boolean {
  const on = optional(boolean, 'options.watchdog', value) ?? false;
  if (on && !exit) throw outOfRange('options.watchdog', 'false when options.exit is false (it ends the process)', value);
  // Its SIGKILL would end every thread; the parent's addWorker() terminates a blocked thread instead.
  if (on && isWorkerThread()) throw outOfRange('options.watchdog', "false in a worker thread (it would kill the whole process: the parent's addWorker() terminates a thread that blocks)", value);
  return on;
}

function signals(value: unknown): NodeJS.Signals[] {
  if (!Array.isArray(value)) throw invalidType('options.signals', 'an array of signal names', value);
  const unique = new Set<NodeJS.Signals>();
  value.forEach((signal: unknown, i) => {
    const name = `options.signals[${i}]`;
    const checked = signalName(name, signal);
    if (UNCATCHABLE.has(checked)) throw outOfRange(name, 'a signal that can be caught (SIGKILL and SIGSTOP cannot)', signal);
    if (RESERVED.has(checked)) throw outOfRange(name, 'a signal Node does not reserve (SIGUSR1 starts the inspector)', signal);
    unique.add(checked);
  });
  return [...unique];
}

function logger(value: unknown): Logger | false {
  if (value === false) return false;
  if (typeof value !== 'object' || value === null) throw invalidType('options.logger', 'a logger (console, pino) or false', value);
  const methods = value as Record<string, unknown>;
  for (const method of ['info', 'warn', 'error']) {
    if (typeof methods[method] !== 'function') throw invalidType(`options.logger.${method}`, 'a function', methods[method]);
  }
  if (methods.flush !== undefined && typeof methods.flush !== 'function') {
    throw invalidType('options.logger.flush', 'a function or undefined', methods.flush);
  }
  return value as Logger;
}

function exitCodes(value: unknown): ExitCodes {
  const codes = optionsBag('options.exitCodes', value, ['clean', 'failed', 'error', 'startUp'] as const);
  const code = (key: keyof ExitCodes): number => optional(exitCode, `options.exitCodes.${key}`, codes[key]) ?? DEFAULT_EXIT_CODES[key];
  return { clean: code('clean'), failed: code('failed'), error: code('error'), startUp: code('startUp') };
}
