import { settledBy } from '../sequence/deadline.js';
import type { Log } from '../report/log.js';

/**
 * Waits until the loggers have flushed and what was written to stdout and stderr has left the
 * process, or until `instant`. `process.exit()` drops what a pipe has not taken yet.
 */
export async function flushOutput(logs: readonly Log[], instant: number): Promise<void> {
  await settledBy(Promise.all([...logs.map((log) => log.flush()), drained(process.stdout), drained(process.stderr)]), instant);
}

function drained(stream: NodeJS.WriteStream): Promise<void> {
  if (stream.destroyed || !stream.writable || stream.writableLength === 0) return Promise.resolve();
  return new Promise((resolve) => {
    try {
      // The callback of an empty write runs once every write queued before it is done.
      stream.write('', () => resolve());
    } catch {
      resolve();
    }
  });
}
