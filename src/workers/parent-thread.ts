import type { BroadcastChannel } from 'node:worker_threads';
import type { ShutdownReport } from '../report/report.js';
import { builtin } from '../runtime/builtin.js';
import { channelName, isThreadMessage, type ThreadMessage } from './thread-messages.js';

// A thread stays what it is: asked once (a coordinator's construction asks several times).
let inWorkerThread: boolean | undefined;

/** True in a worker thread, false in a process's main thread. */
export function isWorkerThread(): boolean {
  inWorkerThread ??= askIsWorkerThread();
  return inWorkerThread;
}

function askIsWorkerThread(): boolean {
  // A worker thread's bootstrap loads worker_threads. A main thread that has not loaded it is no
  // worker, and loading it only to read isMainThread costs about 1 ms (streams, the worker I/O).
  // The list is Node's own and undocumented: trusted only while it reads as it does today, where
  // it names node:events, which every process loads; otherwise the module is loaded and asked.
  const loaded = (process as { moduleLoadList?: unknown }).moduleLoadList;
  if (Array.isArray(loaded) && loaded.includes('NativeModule events') && !loaded.includes('NativeModule worker_threads')) return false;
  return !builtin('node:worker_threads').isMainThread;
}

/**
 * In a worker thread, calls `onAsk` when the parent's `addWorker()` asks the thread to stop: its
 * trigger, since signals never reach a thread. Returns the removal, or nothing in a main thread.
 */
export function onParentAsks(onAsk: () => void): (() => void) | undefined {
  if (!isWorkerThread()) return undefined;
  const channel = threadChannel();
  channel.onmessage = ({ data }: MessageEvent) => {
    if (!isThreadMessage(data) || data.lastcall !== 'shutdown') return;
    // A parent added after 'ready' learns here that a report will follow.
    channel.postMessage({ lastcall: 'stopping' } satisfies ThreadMessage);
    onAsk();
  };
  // Held open by the thread's own work only: a thread whose parent never asks still ends.
  (channel as unknown as { unref(): void }).unref();
  // A parent that asked before this coordinator existed hears this and asks again.
  channel.postMessage({ lastcall: 'ready' } satisfies ThreadMessage);
  return () => channel.close();
}

/** In a worker thread, tells the parent how the thread's shutdown went; its `addWorker()` records it. */
export function reportToParent({ outcome, exitCode, duration }: ShutdownReport): void {
  if (!isWorkerThread()) return;
  const channel = threadChannel();
  // Posting hands the message to every listening channel at once: neither closing the channel
  // now nor the thread's exit right after can lose it.
  channel.postMessage({ lastcall: 'report', report: { outcome, exitCode, duration } } satisfies ThreadMessage);
  channel.close();
}

function threadChannel(): BroadcastChannel {
  const { BroadcastChannel, threadId } = builtin('node:worker_threads');
  return new BroadcastChannel(channelName(threadId));
}
