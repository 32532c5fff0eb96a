import type { Log } from '../report/log.js';
import { settledBy } from '../sequence/deadline.js';

/**
 * Waits until the loggers have flushed, then until what was written to stdout and stderr has
 * left the process, or until `instant`. `process.exit()` drops what a pipe has not taken yet.
 */
export async function flushOutput(logs: readonly Log[], instant: number): Promise<void> {
  // The loggers first: a flush may write to stdout (pino's does), and that must leave too.
  const flushed = Promise.all(logs.map((log) => log.flush())).then(() => Promise.all([drained(process.stdout), drained(process.stderr)]));
  await settledBy(flushed, instant);
}

function drained(stream: NodeJS.WriteStream): Promise<void> {
  if (stream.destroyed || !stream.writable) return Promise.resolve();
  return new Promise((resolve) => {
    const queued = stream.writableLength > 0;
    let returned = false;
    let bypassed = false;
    try {
      // The callback of an empty write runs once every write queued before it is done.
      stream.write('', () => {
        if (!returned) bypassed = true;
        else if (queued) resolve();
      });
    } catch {
      return resolve();
    }
    returned = true;
    if (bypassed) {
      // A stream calls a write back on a later tick, once the writes before it are done; one that
      // called back at once queued nothing (Bun's stdout hands each write to a native sink and its
      // writableLength stays 0), so the callback says nothing about earlier writes. Its _final
      // writes out what the sink holds; called without end(), the stream stays open for the exit
      // listeners.
      (stream as NodeJS.WriteStream & { _final(callback: () => void): void })._final(() => resolve());
    } else if (!queued) resolve();
  });
}
