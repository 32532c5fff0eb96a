import type { Worker } from 'node:cluster';
import { builtin } from '../runtime/builtin.js';
import { isListeningMessage, SHUTDOWN_MESSAGE } from './shutdown-message.js';

/** Options of `addCluster()`. */
export interface AddClusterOptions {
  /** Names the hook that waits for the workers. Default `cluster workers`. */
  readonly name?: string;
  /** Milliseconds to wait for the workers; never more than the phase allows. */
  readonly timeout?: number;
}

/** True in the primary process of a cluster (or in a process that is no cluster worker). */
export function isPrimary(): boolean {
  return builtin('node:cluster').isPrimary;
}

/** Asks every worker there is now to stop. */
export function askAllToStop(): void {
  for (const worker of Object.values(builtin('node:cluster').workers ?? {})) if (worker !== undefined) askToStop(worker);
}

/**
 * From now on, asks again a worker whose coordinator says it listens once the primary is
 * `stopping`: the first ask reached it before its coordinator existed. Returns the removal.
 */
export function askLateListeners(stopping: AbortSignal): () => void {
  const cluster = builtin('node:cluster');
  const onMessage = (worker: Worker, message: unknown): void => {
    if (stopping.aborted && isListeningMessage(message)) askToStop(worker);
  };
  cluster.on('message', onMessage);
  return () => void cluster.off('message', onMessage);
}

/** Asks one worker to stop. */
function askToStop(worker: Worker): void {
  // A worker exiting on its own (Ctrl-C reached it too) can close its channel after isConnected():
  // the send then fails with EPIPE, an uncaught error without a callback. Its exit is what counts.
  if (worker.isConnected()) worker.send(SHUTDOWN_MESSAGE, () => {});
}

/**
 * Waits until every worker has exited, asking those forked meanwhile to stop too; at `signal`
 * (the hook's deadline), kills those still running. Rejects if any worker exited non-zero.
 */
export function waitForWorkers(signal: AbortSignal): Promise<void> {
  const cluster = builtin('node:cluster');
  const failures: string[] = [];
  return new Promise((resolve, reject) => {
    const done = (): void => {
      // Exited, not forgotten: the cluster module forgets a worker once it has exited and its IPC
      // channel has closed, and Deno's never sees that channel close for a worker that exits itself.
      if (Object.values(cluster.workers ?? {}).some((worker) => worker !== undefined && !worker.isDead())) return;
      cluster.off('exit', onExit);
      cluster.off('fork', askToStop);
      if (failures.length === 0) resolve();
      else reject(new Error(`cluster workers did not stop cleanly: ${failures.join(', ')}`));
    };
    const onExit = (worker: Worker, code: number | null, signalName: string | null): void => {
      if (code !== 0) failures.push(`worker ${worker.id} ${code === null ? `killed by ${signalName}` : `exited with ${code}`}`);
      done();
    };
    cluster.on('exit', onExit);
    cluster.on('fork', askToStop);
    signal.addEventListener(
      'abort',
      () => {
        for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGKILL');
      },
      { once: true },
    );
    done();
  });
}
