import { builtin } from '../runtime/builtin.js';
import { isShutdownMessage, LISTENING_MESSAGE } from './shutdown-message.js';

/**
 * In a cluster worker, calls `onShutdown` when the primary asks. Returns the removal, or
 * nothing outside a worker.
 */
export function onPrimaryAsks(onShutdown: () => void): (() => void) | undefined {
  // A worker has an IPC channel; a process without one need not load node:cluster (and with it
  // child_process and dgram) just to learn that it is not a worker.
  if (process.send === undefined || !builtin('node:cluster').isWorker) return undefined;
  const listener = (message: unknown): void => {
    if (isShutdownMessage(message)) onShutdown();
  };
  // This holds the IPC channel open, as cluster's own messaging needs anyway (a worker's listen()
  // waits for the primary's answer on it); with exit: false it goes when the run is over.
  process.on('message', listener);
  // A primary that was asked to stop while this worker was still starting sent its message to
  // no one: saying that the coordinator listens now lets it send the message again.
  if (process.connected) process.send!(LISTENING_MESSAGE);
  return () => void process.off('message', listener);
}
