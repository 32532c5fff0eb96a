import type { AddClusterOptions } from '../cluster/primary.js';
import type { AddServerOptions } from '../http/server-drain.js';
import { isPhase, PHASES, type Phase } from '../sequence/phases.js';
import type { Hook } from '../sequence/run-hook.js';
import type { TaskOptions } from '../tasks/tasks.js';
import { invalidType } from './errors.js';
import { callback, duration, exitCode, label, optional, optionsBag, signalName, text } from './validate.js';

// The options bag of each method, checked at the call that passes it. The constructor's are in
// coordinator-options.ts.

/** `register(hook)`. */
export function hookOf(value: unknown): Hook {
  if (typeof value !== 'object' || value === null) throw invalidType('register(hook)', 'an object', value);
  const hook = optionsBag('hook', value, ['name', 'phase', 'timeout', 'run'] as const);
  if (!isPhase(hook.phase)) throw invalidType('hook.phase', `one of ${PHASES.join(', ')}`, hook.phase);
  return {
    name: label('hook.name', hook.name),
    phase: hook.phase as Phase,
    timeout: optional(duration, 'hook.timeout', hook.timeout),
    run: callback<Hook['run']>('hook.run', hook.run),
  };
}

/** `addServer(server, options)`. */
export function addServerOptions(value: unknown): Required<Pick<AddServerOptions, 'name'>> & AddServerOptions {
  const options = optionsBag('addServer() options', value, ['name', 'timeout', 'onUpgraded'] as const);
  return {
    name: optional(label, 'addServer() options.name', options.name) ?? 'http server',
    ...defined('timeout', optional(duration, 'addServer() options.timeout', options.timeout)),
    ...defined('onUpgraded', optional(callback<NonNullable<AddServerOptions['onUpgraded']>>, 'addServer() options.onUpgraded', options.onUpgraded)),
  };
}

/** `addCluster(options)`. */
export function addClusterOptions(value: unknown): Required<Pick<AddClusterOptions, 'name'>> & AddClusterOptions {
  const options = optionsBag('addCluster() options', value, ['name', 'timeout'] as const);
  return {
    name: optional(label, 'addCluster() options.name', options.name) ?? 'cluster workers',
    ...defined('timeout', optional(duration, 'addCluster() options.timeout', options.timeout)),
  };
}

/** Options of `addWorker()`. */
export interface AddWorkerOptions {
  /** Names the worker's `close-clients` hook in the log and the report. Default `worker <threadId>`. */
  readonly name?: string;
  /** Milliseconds the worker may take to exit once asked; never more than the phase allows. Then it is terminated. */
  readonly timeout?: number;
}

/** `addWorker(worker, options)`; the default name is the thread's. */
export function addWorkerOptions(value: unknown, threadId: number): Required<Pick<AddWorkerOptions, 'name'>> & AddWorkerOptions {
  const options = optionsBag('addWorker() options', value, ['name', 'timeout'] as const);
  return {
    name: optional(label, 'addWorker() options.name', options.name) ?? `worker ${threadId}`,
    ...defined('timeout', optional(duration, 'addWorker() options.timeout', options.timeout)),
  };
}

/** Options of `addChild()`. */
export interface AddChildOptions {
  /** Names the child's `close-clients` hook in the log and the report. Default `child <pid>`. */
  readonly name?: string;
  /** The signal that asks the child to stop. Default `SIGTERM`. */
  readonly signal?: NodeJS.Signals;
  /** Milliseconds the child may take to exit once asked; never more than the phase allows. Then SIGKILL. */
  readonly timeout?: number;
}

/** `addChild(child, options)`; the default name is the child's pid. */
export function addChildOptions(value: unknown, pid: number | undefined): Required<Pick<AddChildOptions, 'name' | 'signal'>> & AddChildOptions {
  const options = optionsBag('addChild() options', value, ['name', 'signal', 'timeout'] as const);
  return {
    name: optional(label, 'addChild() options.name', options.name) ?? `child ${pid}`,
    signal: optional(signalName, 'addChild() options.signal', options.signal) ?? 'SIGTERM',
    ...defined('timeout', optional(duration, 'addChild() options.timeout', options.timeout)),
  };
}

// Shared: track() is called per request or message, and an object each time shows in its cost.
const NO_TASK_OPTIONS: TaskOptions = Object.freeze({});

/** `track(promise, options)` and `run(fn, options)`. */
export function taskOptions(call: 'track' | 'run', value: unknown): TaskOptions {
  if (value === undefined) return NO_TASK_OPTIONS;
  const options = optionsBag(`${call}() options`, value, ['name', 'onAbandon'] as const);
  optional(label, `${call}() options.name`, options.name);
  optional(callback, `${call}() options.onAbandon`, options.onAbandon);
  return options as TaskOptions;
}

/** Options of `start()`. */
export interface StartOptions {
  /** Milliseconds the start-up may take; past them its `signal` aborts and the shutdown starts. Default 30000. */
  readonly timeout?: number;
}

/** `start(fn, options)`. */
export function startOptions(value: unknown): { readonly timeout: number } {
  const options = optionsBag('start() options', value, ['timeout'] as const);
  return { timeout: optional(duration, 'start() options.timeout', options.timeout) ?? 30_000 };
}

/** Options of `shutdown()`. */
export interface ShutdownOptions {
  /** Why, in a few words, for the log and the report. */
  readonly reason?: string;
  /** The exit code to end with, whatever the outcome (a forced exit still uses 128 + n). */
  readonly exitCode?: number;
}

/** `shutdown(options)`, or the error to reject its promise with: a call that returns a promise does not throw. */
export function shutdownOptions(value: unknown): { readonly reason: string | undefined; readonly exitCode: number | undefined } | Error {
  try {
    const options = optionsBag('shutdown() options', value, ['reason', 'exitCode'] as const);
    return {
      reason: optional(text, 'shutdown() options.reason', options.reason),
      exitCode: optional(exitCode, 'shutdown() options.exitCode', options.exitCode),
    };
  } catch (error) {
    return error as Error;
  }
}

// exactOptionalPropertyTypes: an option left out is absent, not present as undefined.
function defined<K extends string, V>(key: K, value: V | undefined): { [key in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [key in K]?: V };
}
