import type { Worker } from 'node:cluster';
import { builtin } from '../runtime/builtin.js';
import { onAbort } from '../sequence/on-abort.js';
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

/**
 * Once `stopping`, a worker's IPC channel may close under a message cluster itself sends it (the
 * answer to a listen() the worker made just before it exited): Node reports that as the worker's
 * 'error', uncaught without a listener. Only that error is expected; any other is thrown on as it
 * would have been. Returns the removal.
 */
export function tolerateClosedChannels(stopping: AbortSignal): () => void {
  const cluster = builtin('node:cluster');
  const watched = new Set<Worker>();
  const onError = function (this: Worker, error: unknown): void {
    const code = (error as { code?: unknown } | null)?.code;
    // Either code says the worker's end of the channel is closed, whether or not the primary has
    // seen its 'disconnect' yet.
    const channelGone = code === 'EPIPE' || code === 'ERR_IPC_CHANNEL_CLOSED';
    if (!channelGone && this.listenerCount('error') === 1) throw error;
  };
  const watch = (worker: Worker | undefined): void => {
    if (worker === undefined || watched.has(worker)) return;
    watched.add(worker);
    worker.on('error', onError);
  };
  const watchAll = (): void => {
    for (const worker of Object.values(cluster.workers ?? {})) watch(worker);
    cluster.on('fork', watch);
  };
  const stopWaiting = onAbort(stopping, watchAll);
  return () => {
    stopWaiting();
    cluster.off('fork', watch);
    for (const worker of watched) worker.off('error', onError);
  };
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
