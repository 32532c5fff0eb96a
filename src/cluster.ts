import cluster, { type Worker } from 'node:cluster';

/** The IPC message a primary sends its workers, and a worker's coordinator takes as a trigger. */
export const SHUTDOWN_MESSAGE = { lastcall: 'shutdown' } as const;

/** Options of `addCluster()`. */
export interface AddClusterOptions {
  /** Names the hook that waits for the workers. Default `cluster workers`. */
  readonly name?: string;
  /** Milliseconds to wait for the workers; never more than the phase allows. */
  readonly timeout?: number;
}

function isShutdownMessage(message: unknown): boolean {
  return (message as { lastcall?: unknown } | null)?.lastcall === SHUTDOWN_MESSAGE.lastcall;
}

/**
 * In a cluster worker, calls `onShutdown` when the primary asks. Returns the removal, or
 * nothing outside a worker.
 */
export function onPrimaryAsks(onShutdown: () => void): (() => void) | undefined {
  if (!cluster.isWorker) return undefined;
  const listener = (message: unknown): void => {
    if (isShutdownMessage(message)) onShutdown();
  };
  // This holds the IPC channel open, as cluster's own messaging needs anyway (a worker's listen()
  // waits for the primary's answer on it); with exit: false it goes when the run is over.
  process.on('message', listener);
  return () => void process.off('message', listener);
}

/** Asks one worker to stop, once. */
export function askToStop(worker: Worker): void {
  if (worker.isConnected()) worker.send(SHUTDOWN_MESSAGE);
}

/**
 * Waits until every worker has exited, asking those forked meanwhile to stop too; at `signal`
 * (the hook's deadline), kills those still running. Rejects if any worker exited non-zero.
 */
export function waitForWorkers(signal: AbortSignal): Promise<void> {
  const failures: string[] = [];
  return new Promise((resolve, reject) => {
    const done = (): void => {
      if (Object.keys(cluster.workers ?? {}).length > 0) return;
      cluster.off('exit', onExit);
      cluster.off('fork', askToStop);
      if (failures.length === 0) resolve();
      else reject(new Error(`cluster workers did not stop cleanly: ${failures.join(', ')}`));
    };
    const onExit = (worker: Worker, code: number | null, signalName: string | null): void => {
      if (code !== 0) failures.push(`worker ${worker.id} ${code === null ? `killed by ${signalName}` : `exited with ${code}`}`);
      // The cluster module forgets the worker after its 'exit' listeners: look once it has.
      setImmediate(done);
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
