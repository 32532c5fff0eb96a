// new ShutdownCoordinator(options): every bad option is a TypeError or RangeError at the call,
// naming the option and the value received, and the coordinator adds no listener.
import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { ShutdownCoordinator } from '../../src/index.js';
import { thrownBy } from '../helpers/thrown.js';

const cases: [options: unknown, kind: typeof TypeError | typeof RangeError, message: string][] = [
  ['fast', TypeError, "options must be an object, received 'fast' (string)"],
  [{ timout: 100 }, TypeError, 'options.timout is not an option (did you mean timeout?); the options are timeout, readinessDelay, signals,'],
  [{ Timeout: 100 }, TypeError, 'options.Timeout is not an option (did you mean timeout?)'],
  [{ budget: 100 }, TypeError, 'options.budget is not an option; the options are'],
  [{ timeout: '8000' }, TypeError, "options.timeout must be a number of milliseconds, received '8000' (string)"],
  [{ timeout: NaN }, TypeError, 'options.timeout must be a number of milliseconds, received NaN (number)'],
  [{ timeout: 0 }, RangeError, 'options.timeout must be an integer from 1 to 2147483647 (ms), received 0 (number)'],
  [{ timeout: -5 }, RangeError, 'options.timeout must be an integer from 1 to 2147483647 (ms), received -5 (number)'],
  [{ timeout: 1.5 }, RangeError, 'options.timeout must be an integer from 1 to 2147483647 (ms), received 1.5 (number)'],
  [{ timeout: Infinity }, RangeError, 'options.timeout must be an integer from 1 to 2147483647 (ms), received Infinity (number)'],
  [{ signals: 'SIGTERM' }, TypeError, "options.signals must be an array of signal names, received 'SIGTERM' (string)"],
  [{ signals: ['SIGTERM', 15] }, TypeError, 'options.signals[1] must be a signal name such as "SIGTERM", received 15 (number)'],
  [{ signals: ['SIGTREM'] }, RangeError, "options.signals[0] must be a signal name this platform knows, received 'SIGTREM' (string)"],
  [{ signals: ['toString'] }, RangeError, "options.signals[0] must be a signal name this platform knows, received 'toString' (string)"],
  [{ signals: ['SIGKILL'] }, RangeError, 'options.signals[0] must be a signal that can be caught'],
  [{ signals: ['SIGSTOP'] }, RangeError, 'options.signals[0] must be a signal that can be caught'],
  [{ signals: ['SIGUSR1'] }, RangeError, 'options.signals[0] must be a signal Node does not reserve'],
  [{ handleErrors: 'yes' }, TypeError, "options.handleErrors must be a boolean, received 'yes' (string)"],
  [{ exit: 0 }, TypeError, 'options.exit must be a boolean, received 0 (number)'],
  [{ logger: true }, TypeError, 'options.logger must be a logger (console, pino) or false, received true (boolean)'],
  [{ logger: { info() {}, warn() {} } }, TypeError, 'options.logger.error must be a function, received undefined (undefined)'],
  [{ logger: { info() {}, warn() {}, error() {}, flush: 1 } }, TypeError, 'options.logger.flush must be a function or undefined'],
  [{ exitCodes: 1 }, TypeError, 'options.exitCodes must be an object'],
  [{ exitCodes: { ok: 0 } }, TypeError, 'options.exitCodes.ok is not an option; the options are clean, failed, error, startUp; received 0 (number)'],
  [{ exitCodes: { faild: 2 } }, TypeError, 'options.exitCodes.faild is not an option (did you mean failed?)'],
  [{ exitCodes: { failed: 256 } }, RangeError, 'options.exitCodes.failed must be an integer from 0 to 255, received 256 (number)'],
  [{ exitCodes: { error: 1.5 } }, RangeError, 'options.exitCodes.error must be an integer from 0 to 255'],
  [{ exitCodes: { clean: '0' } }, TypeError, "options.exitCodes.clean must be an integer exit code, received '0' (string)"],
  [{ taskStacks: 'no' }, TypeError, 'options.taskStacks must be a boolean'],
  [{ watchdog: 1 }, TypeError, 'options.watchdog must be a boolean, received 1 (number)'],
  [{ exit: false, watchdog: true }, RangeError, 'options.watchdog must be false when options.exit is false (it ends the process), received true (boolean)'],
  [{ readinessDelay: '5s' }, TypeError, "options.readinessDelay must be a number of milliseconds or { max, min? }, received '5s' (string)"],
  [{ readinessDelay: { min: 100 } }, TypeError, 'options.readinessDelay.max must be a number of milliseconds, received undefined (undefined)'],
  [{ readinessDelay: { max: 5_000, Min: 100 } }, TypeError, 'options.readinessDelay.Min is not an option (did you mean min?); the options are max, min; received 100 (number)'],
  [{ readinessDelay: { max: 500, min: 1_000 } }, RangeError, 'options.readinessDelay.min must be at most options.readinessDelay.max (500 ms), received 1000 (number)'],
  [{ readinessDelay: { max: 0 } }, RangeError, 'options.readinessDelay.max must be an integer from 1 to 2147483647 (ms), received 0 (number)'],
  [{ readinessDelay: -1 }, RangeError, 'options.readinessDelay must be an integer from 0 to 2147483647 (ms), received -1 (number)'],
  [{ readinessDelay: 0.5 }, RangeError, 'options.readinessDelay must be an integer from 0 to 2147483647 (ms), received 0.5 (number)'],
  [{ gracePeriod: 0 }, RangeError, 'options.gracePeriod must be an integer from 1 to 2147483647 (ms), received 0 (number)'],
];

describe('new ShutdownCoordinator(options)', () => {
  for (const [options, kind, message] of cases) {
    it(`rejects ${JSON.stringify(options) ?? String(options)} with a ${kind.name}`, () => {
      const error = thrownBy(() => new ShutdownCoordinator(options as never));
      expect(error).toBeInstanceOf(kind);
      expect(error.message).toContain(`lastcall: ${message}`);
      expect(error.code).toBe('LASTCALL_ERR_INVALID_ARG');
    });
  }

  it('adds no listener when the options are bad', () => {
    const before = process.listenerCount('SIGTERM');
    thrownBy(() => new ShutdownCoordinator({ timeout: -1 }));
    expect(process.listenerCount('SIGTERM')).toBe(before);
  });
});

describe('new ShutdownCoordinator(options) in a worker thread, which no signal reaches', () => {
  it('listens for no signal by default, names signals given in a warning, and refuses watchdog: true', async () => {
    const thread = new Worker(new URL('../fixtures/thread-coordinator.mjs', import.meta.url));
    const [seen] = (await once(thread, 'message')) as [{ lines: string[]; signalListenersByDefault: number; watchdog: { name: string; code: string; message: string } }];
    await thread.terminate();

    expect(seen.signalListenersByDefault).toBe(0);
    expect(seen.lines.filter((line) => line.includes('signals'))).toEqual([
      "lastcall: options.signals (SIGTERM, SIGHUP) never reach a worker thread: its trigger is the parent's addWorker() request, or a shutdown() call",
    ]);
    // The grace period is the main thread's to check: a budget of 8 s in one of 1 s passes unsaid.
    expect(seen.lines.filter((line) => line.includes('grace period'))).toEqual([]);
    expect(seen.watchdog).toMatchObject({ name: 'RangeError', code: 'LASTCALL_ERR_INVALID_ARG' });
    expect(seen.watchdog.message).toContain('lastcall: options.watchdog must be false in a worker thread');
  });
});
