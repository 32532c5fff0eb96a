import type { ChildProcess } from 'node:child_process';
import type { Worker } from 'node:worker_threads';
import type { WatchedChildren } from '../exit/watchdog.js';
import { addChildOptions, addWorkerOptions } from '../options/call-options.js';
import { invalidType } from '../options/errors.js';
import { builtin } from '../runtime/builtin.js';
import { settledBy } from '../sequence/deadline.js';
import type { Force } from '../sequence/force.js';
import type { Hook } from '../sequence/run-hook.js';
import type { Wiring } from '../sequence/wiring.js';
import { ChildStop, type ChildReport } from './child-stop.js';
import { WorkerStop, type WorkerReport } from './worker-stop.js';

// After a forced exit, how long the report, and so the exit, may wait for what it terminated and
// killed to be gone. A SIGKILL takes effect in milliseconds (3-27 ms measured here with the
// cores saturated), but the child's teardown and this process's turn to reap it both need CPU
// time, and on a starved machine 50 ms was not always enough: a process left behind is worse
// than an exit that comes later.
const REAP_GRACE = 1_000;

interface Entry<S> {
  readonly stop: S;
  readonly remove: () => void;
}

/**
 * The worker threads and child processes given to `addWorker()` and `addChild()`: each asked to
 * stop by its own `close-clients` hook, ended by force at its deadline or at a forced exit.
 */
export class Subprocesses {
  readonly #workers = new Map<Worker, Entry<WorkerStop>>();
  readonly #children = new Map<ChildProcess, Entry<ChildStop>>();
  readonly #wiring: Wiring;
  /** After a forced exit, the instant by which the report stops waiting for what it ended. */
  #forcedBy: number | undefined;

  /** `force` is set off by a repeated signal: every worker and child is ended at once. */
  constructor(wiring: Wiring, force: Force) {
    this.#wiring = wiring;
    force.subscribe(() => {
      this.#forcedBy = performance.now() + REAP_GRACE;
      for (const { stop } of this.#workers.values()) stop.terminate('before the forced exit');
      for (const { stop } of this.#children.values()) stop.kill('before the forced exit');
    });
  }

  /** Checks the arguments and registers the worker's hook; a worker that has ended already needs none. */
  addWorker(worker: unknown, options: unknown): () => void {
    if (!(worker instanceof builtin('node:worker_threads').Worker)) throw invalidType('addWorker(worker)', 'a Worker from node:worker_threads', worker);
    const existing = this.#workers.get(worker);
    if (existing !== undefined) return existing.remove;
    // threadId is -1 once the thread has ended.
    const { name, timeout } = addWorkerOptions(options, worker.threadId);
    if (worker.threadId === -1) return () => {};
    const stop = new WorkerStop(worker, name, this.#wiring.log);
    return this.#add(this.#workers, worker, stop, { name, timeout, run: ({ signal }) => stop.stop(signal) });
  }

  /** Checks the arguments and registers the child's hook; a child that has ended, or never started, needs none. */
  addChild(child: unknown, options: unknown): () => void {
    if (!(child instanceof builtin('node:child_process').ChildProcess)) {
      throw invalidType('addChild(child)', 'a ChildProcess from node:child_process (what spawn(), fork() and exec() return)', child);
    }
    const existing = this.#children.get(child);
    if (existing !== undefined) return existing.remove;
    const { name, signal, timeout } = addChildOptions(options, child.pid);
    // No pid: the spawn failed, and there is no process to stop.
    if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return () => {};
    const stop = new ChildStop(child, name, signal, this.#wiring.log);
    return this.#add(this.#children, child, stop, { name, timeout, run: ({ signal: deadline }) => stop.stop(deadline) });
  }

  /** Every worker and child still registered, with how it ended. */
  report(): { workers: WorkerReport[]; children: ChildReport[] } {
    return {
      workers: [...this.#workers.values()].map(({ stop }) => stop.report()),
      children: [...this.#children.values()].map(({ stop }) => stop.report()),
    };
  }

  /** The children still running, for the watchdog to kill before the process: each pid cleared as its child is reaped. */
  watchedChildren(): WatchedChildren {
    const running = [...this.#children.values()].flatMap(({ stop }) => {
      const { pid, outcome } = stop.report();
      return outcome === 'running' && pid !== undefined ? [{ stop, pid }] : [];
    });
    const pids = new Int32Array(new SharedArrayBuffer(running.length * Int32Array.BYTES_PER_ELEMENT));
    running.forEach(({ stop, pid }, i) => {
      pids[i] = pid;
      void stop.exited.then(() => Atomics.store(pids, i, 0));
    });
    return { pids, names: running.map(({ stop }) => stop.name) };
  }

  /**
   * Resolves once every worker and child asked to stop or ended by force has ended: a killed
   * child's pid is free before this process exits. After a forced exit, within `REAP_GRACE`.
   */
  get ending(): Promise<void> {
    const stops = [...this.#workers.values(), ...this.#children.values()].map(({ stop }) => stop);
    const ends = Promise.all(stops.filter((stop) => stop.stopping).map((stop) => stop.exited));
    return this.#forcedBy === undefined ? ends.then(() => {}) : settledBy(ends, this.#forcedBy);
  }

  #add<K, S extends WorkerStop | ChildStop>(entries: Map<K, Entry<S>>, key: K, stop: S, hook: Omit<Hook, 'phase'>): () => void {
    // close-clients: a worker pool, a converter, a browser or a sidecar is what the work uses,
    // like a database pool; asked before the drain ends, it could fail the requests and tasks
    // that still need it. Work already running in it goes on meanwhile: asking later costs
    // nothing but the time of its own stop.
    const unregister = this.#wiring.register({ ...hook, phase: 'close-clients' });
    const remove = (): void => {
      if (entries.get(key)?.stop !== stop) return;
      unregister();
      stop.detach();
      entries.delete(key);
    };
    entries.set(key, { stop, remove });
    // Before the trigger, one that has ended is done with: a pool that replaces its workers
    // must not grow the report. From the trigger on, the report lists it.
    void stop.exited.then(() => {
      if (!this.#wiring.stopping.aborted) remove();
    });
    return remove;
  }
}
