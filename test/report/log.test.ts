// The log: lines reach the logger with their prefix and their `this`; a logger that throws or
// rejects loses its line and nothing else; flush waits for the logger's callback.
import { describe, expect, it } from 'vitest';
import { createLog, type Logger } from '../../src/report/log.js';

describe('createLog', () => {
  it('prefixes each line and calls the logger with its this bound', () => {
    const lines: string[] = [];
    const logger = {
      lines,
      info(this: { lines: string[] }, message: string) {
        this.lines.push(`info ${message}`);
      },
      warn(this: { lines: string[] }, message: string) {
        this.lines.push(`warn ${message}`);
      },
      error(this: { lines: string[] }, message: string) {
        this.lines.push(`error ${message}`);
      },
    };
    const log = createLog(logger as Logger);
    log.info('a');
    log.warn('b');
    log.error('c');
    expect(lines).toEqual(['info lastcall: a', 'warn lastcall: b', 'error lastcall: c']);
  });

  it('survives a logger that throws, and one whose promises reject (no unhandled rejection)', async () => {
    const rejections: unknown[] = [];
    const onRejection = (reason: unknown) => rejections.push(reason);
    process.on('unhandledRejection', onRejection);
    try {
      const throwing = createLog({ info: () => { throw new Error('disk full'); }, warn: () => { throw new Error('x'); }, error: () => { throw new Error('y'); } });
      expect(() => (throwing.info('a'), throwing.warn('b'), throwing.error('c'))).not.toThrow();
      const rejecting = createLog({ info: () => Promise.reject(new Error('no')), warn: () => Promise.reject(new Error('no')), error: () => Promise.reject(new Error('no')) } as unknown as Logger);
      rejecting.error('d');
      await new Promise((resolve) => setImmediate(resolve));
      expect(rejections).toEqual([]);
    } finally {
      process.off('unhandledRejection', onRejection);
    }
  });

  it('flush waits for a logger flush callback, calls a callback-less one, and resolves without one', async () => {
    const order: string[] = [];
    const quiet = () => {};
    const withCallback = createLog({ info: quiet, warn: quiet, error: quiet, flush: (done: (error?: Error | null) => void) => setTimeout(() => (order.push('flushed'), done()), 20) });
    await withCallback.flush();
    order.push('after');
    let syncFlushes = 0;
    await createLog({ info: quiet, warn: quiet, error: quiet, flush: () => void syncFlushes++ }).flush();
    await createLog({ info: quiet, warn: quiet, error: quiet }).flush();
    await createLog(false).flush();
    expect(order).toEqual(['flushed', 'after']);
    expect(syncFlushes).toBe(1);
  });

  it('false is silence', () => {
    const log = createLog(false);
    expect(() => log.error('nothing')).not.toThrow();
  });
});
