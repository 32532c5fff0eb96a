import { constants } from 'node:os';
import { invalidType, outOfRange } from './errors.js';
import { DEFAULT_EXIT_CODES, type ExitCodes } from './exit-code.js';
import type { Logger } from './log.js';

/** Options of `new ShutdownCoordinator(options)`. Every one is optional. */
export interface ShutdownCoordinatorOptions {
  /**
   * Total budget in ms, from the trigger to the exit. Default 8000, which fits inside
   * `docker stop`'s 10 s and Kubernetes' default 30 s grace period.
   */
  readonly timeout?: number;
  /**
   * Milliseconds to keep serving after the trigger, with readiness answering 503 and every
   * response saying `Connection: close`, before `stop-intake` starts: the time a load balancer
   * needs to take the instance out. Counts against `timeout`. Default 0.
   */
  readonly readinessDelay?: number;
  /** Signals that start a shutdown. Default `['SIGTERM', 'SIGINT']`; `[]` for none. */
  readonly signals?: readonly NodeJS.Signals[];
  /**
   * Whether an uncaught exception or unhandled rejection starts a shutdown that exits with
   * `exitCodes.error`. The error is logged with its stack. Default true.
   */
  readonly handleErrors?: boolean;
  /**
   * Whether the coordinator ends the process (flushing output first). With `false` it sets
   * `process.exitCode` and resolves `shutdown()`: for tests, and for programs that end on their own.
   * Default true.
   */
  readonly exit?: boolean;
  /** Where lastcall writes its log: `console` (the default), a pino logger, or `false` for silence. */
  readonly logger?: Logger | false;
  /** Exit codes per outcome. Default `{ clean: 0, failed: 1, error: 1 }`. */
  readonly exitCodes?: Partial<ExitCodes>;
  /**
   * Start a watchdog thread at the trigger that kills the process (SIGKILL, so the shell sees
   * 137) if it is still alive 100 ms after the budget: the only way out when a hook blocks the
   * event loop synchronously. Needs `exit: true`. Default false.
   */
  readonly watchdog?: boolean;
  /**
   * Capture a stack trace where each task is tracked, to name where a straggler was started.
   * Costs a few µs per task. Default false.
   */
  readonly taskStacks?: boolean;
}

export interface ResolvedOptions {
  readonly timeout: number;
  readonly readinessDelay: number;
  readonly signals: readonly NodeJS.Signals[];
  readonly handleErrors: boolean;
  readonly exit: boolean;
  readonly logger: Logger | false;
  readonly exitCodes: ExitCodes;
  readonly taskStacks: boolean;
  readonly watchdog: boolean;
}

const KNOWN = new Set(['timeout', 'readinessDelay', 'signals', 'handleErrors', 'exit', 'logger', 'exitCodes', 'taskStacks', 'watchdog']);
// Node's own setTimeout limit: a longer delay fires after 1 ms.
export const MAX_DELAY = 2_147_483_647;
const UNCATCHABLE = new Set(['SIGKILL', 'SIGSTOP']);
// SIGUSR1 starts Node's inspector; a listener would take it over.
const RESERVED = new Set(['SIGUSR1']);

export function resolveOptions(options: unknown): ResolvedOptions {
  if (options === undefined) options = {};
  if (!isPlainObject(options)) throw invalidType('options', 'an object', options);
  for (const key of Object.keys(options)) {
    if (!KNOWN.has(key)) throw invalidType(`options.${key}`, `one of the known options (${[...KNOWN].join(', ')})`, options[key]);
  }
  const timeout = options.timeout === undefined ? 8_000 : validateDuration('options.timeout', options.timeout);
  return {
    timeout,
    readinessDelay: validateReadinessDelay(options.readinessDelay, timeout),
    signals: options.signals === undefined ? ['SIGTERM', 'SIGINT'] : validateSignals(options.signals),
    handleErrors: validateBoolean('options.handleErrors', options.handleErrors, true),
    exit: validateBoolean('options.exit', options.exit, true),
    logger: options.logger === undefined ? console : validateLogger(options.logger),
    exitCodes: validateExitCodes(options.exitCodes),
    taskStacks: validateBoolean('options.taskStacks', options.taskStacks, false),
    watchdog: validateWatchdog(options.watchdog, options.exit),
  };
}

/** A duration in ms: a finite number above 0 that a timer can hold. */
export function validateDuration(name: string, value: unknown): number {
  if (typeof value !== 'number' || Number.isNaN(value)) throw invalidType(name, 'a number of milliseconds', value);
  if (!(value > 0 && value <= MAX_DELAY)) throw outOfRange(name, `above 0 and at most ${MAX_DELAY} ms`, value);
  return value;
}

/** A process exit code: an integer from 0 to 255. */
export function validateExitCode(name: string, value: unknown): number {
  if (typeof value !== 'number') throw invalidType(name, 'an integer exit code', value);
  if (!Number.isInteger(value) || value < 0 || value > 255) throw outOfRange(name, 'an integer from 0 to 255', value);
  return value;
}

function validateReadinessDelay(value: unknown, timeout: number): number {
  if (value === undefined) return 0;
  if (typeof value !== 'number' || Number.isNaN(value)) throw invalidType('options.readinessDelay', 'a number of milliseconds', value);
  if (!(value >= 0 && value < timeout)) throw outOfRange('options.readinessDelay', `at least 0 and below options.timeout (${timeout} ms)`, value);
  return value;
}

function validateWatchdog(value: unknown, exit: unknown): boolean {
  const watchdog = validateBoolean('options.watchdog', value, false);
  if (watchdog && exit === false) throw outOfRange('options.watchdog', 'false when options.exit is false (it ends the process)', value);
  return watchdog;
}

function validateBoolean(name: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw invalidType(name, 'a boolean', value);
  return value;
}

function validateSignals(value: unknown): NodeJS.Signals[] {
  if (!Array.isArray(value)) throw invalidType('options.signals', 'an array of signal names', value);
  const signals = new Set<NodeJS.Signals>();
  value.forEach((signal: unknown, i) => {
    const name = `options.signals[${i}]`;
    if (typeof signal !== 'string') throw invalidType(name, 'a signal name such as "SIGTERM"', signal);
    if (!(signal in constants.signals)) throw outOfRange(name, 'a signal name this platform knows', signal);
    if (UNCATCHABLE.has(signal)) throw outOfRange(name, 'a signal that can be caught (SIGKILL and SIGSTOP cannot)', signal);
    if (RESERVED.has(signal)) throw outOfRange(name, 'a signal Node does not reserve (SIGUSR1 starts the inspector)', signal);
    signals.add(signal as NodeJS.Signals);
  });
  return [...signals];
}

function validateLogger(value: unknown): Logger | false {
  if (value === false) return false;
  if (typeof value !== 'object' || value === null) throw invalidType('options.logger', 'a logger (console, pino) or false', value);
  const logger = value as Record<string, unknown>;
  for (const method of ['info', 'warn', 'error']) {
    if (typeof logger[method] !== 'function') throw invalidType(`options.logger.${method}`, 'a function', logger[method]);
  }
  if (logger.flush !== undefined && typeof logger.flush !== 'function') {
    throw invalidType('options.logger.flush', 'a function or undefined', logger.flush);
  }
  return value as Logger;
}

function validateExitCodes(value: unknown): ExitCodes {
  if (value === undefined) return DEFAULT_EXIT_CODES;
  if (!isPlainObject(value)) throw invalidType('options.exitCodes', 'an object such as { failed: 1 }', value);
  for (const key of Object.keys(value)) {
    if (!(key in DEFAULT_EXIT_CODES)) throw invalidType(`options.exitCodes.${key}`, 'one of clean, failed, error', value[key]);
  }
  const code = (key: keyof ExitCodes): number =>
    value[key] === undefined ? DEFAULT_EXIT_CODES[key] : validateExitCode(`options.exitCodes.${key}`, value[key]);
  return { clean: code('clean'), failed: code('failed'), error: code('error') };
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}
