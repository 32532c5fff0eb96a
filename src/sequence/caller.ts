import type { AsyncLocalStorage } from 'node:async_hooks';
import { builtin } from '../runtime/builtin.js';

/** Who is running: set around every hook and task, so `shutdown()` can tell it is called from inside the run. */
export interface Caller {
  readonly owner: object;
  /** Stops the run from waiting for this caller: it awaits the run, the run must not await it. */
  readonly release: () => void;
  /** `hook "pool" (close-clients)`, `task "msg 7"`: for a log line that names who did something. */
  readonly describe: () => string;
}

// Made at the first hook or task: a process that never shuts down never turns it on.
let storage: AsyncLocalStorage<Caller> | undefined;

export function runAs<T>(caller: Caller, fn: () => T): T {
  storage ??= new (builtin('node:async_hooks').AsyncLocalStorage)<Caller>();
  return storage.run(caller, fn);
}

/** The hook or task of `owner` whose async context this call comes from, if any. */
export function currentCaller(owner: object): Caller | undefined {
  const caller = storage?.getStore();
  return caller?.owner === owner ? caller : undefined;
}
