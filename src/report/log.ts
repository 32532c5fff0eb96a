/**
 * A logger lastcall can write to: `console`, pino, or anything with these methods.
 * Each is called with one string and with its `this` bound to the logger.
 */
export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
  /** Called before the exit, within the exit reserve (pino's `flush`). */
  flush?: ((callback: (error?: Error | null) => void) => void) | (() => void);
}

/** How lastcall writes: never throws, whatever the logger does. */
export interface Log {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
  /** Resolves once the logger says it has flushed, or at once if it cannot say. */
  flush(): Promise<void>;
}

const PREFIX = 'lastcall: ';

export function createLog(logger: Logger | false): Log {
  if (logger === false) {
    const quiet = (): void => {};
    return { info: quiet, warn: quiet, error: quiet, flush: () => Promise.resolve() };
  }
  // A logger that throws must not break the shutdown it reports on: its line is dropped.
  const write = (level: 'info' | 'warn' | 'error', message: string): void => {
    try {
      // An asynchronous logger that rejects would otherwise raise an unhandled rejection,
      // whose own log line rejects again: a loop.
      const result: unknown = logger[level](PREFIX + message);
      if (isThenable(result)) result.then(undefined, () => {});
    } catch {}
  };
  return {
    info: (message) => write('info', message),
    warn: (message) => write('warn', message),
    error: (message) => write('error', message),
    flush: () => flushLogger(logger),
  };
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as { then?: unknown } | null)?.then === 'function';
}

function flushLogger(logger: Logger): Promise<void> {
  const { flush } = logger;
  if (typeof flush !== 'function') return Promise.resolve();
  return new Promise((resolve) => {
    try {
      // A flush that takes no callback (old pino) is synchronous: nothing to wait for.
      if (flush.length === 0) {
        (flush as () => void).call(logger);
        resolve();
      } else {
        flush.call(logger, () => resolve());
      }
    } catch {
      resolve();
    }
  });
}
