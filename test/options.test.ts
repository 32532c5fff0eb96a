import { describe, expect, it } from 'vitest';
import { createServer } from 'node:http';
import { Server as NetServer } from 'node:net';
import { ShutdownCoordinator } from '../src/index.js';
import { testCoordinator } from './helpers/coordinator.js';

function thrownBy(fn: () => unknown): Error & { code?: string } {
  try {
    fn();
  } catch (error) {
    return error as Error & { code?: string };
  }
  throw new Error('did not throw');
}

describe('constructor options', () => {
  const cases: [options: unknown, kind: typeof TypeError | typeof RangeError, message: string][] = [
    ['fast', TypeError, 'options must be an object, received \'fast\' (string)'],
    [{ timout: 100 }, TypeError, 'options.timout must be one of the known options'],
    [{ timeout: '8000' }, TypeError, "options.timeout must be a number of milliseconds, received '8000' (string)"],
    [{ timeout: NaN }, TypeError, 'options.timeout must be a number of milliseconds, received NaN (number)'],
    [{ timeout: 0 }, RangeError, 'options.timeout must be above 0 and at most 2147483647 ms, received 0 (number)'],
    [{ timeout: -5 }, RangeError, 'options.timeout must be above 0 and at most 2147483647 ms, received -5 (number)'],
    [{ timeout: Infinity }, RangeError, 'options.timeout must be above 0 and at most 2147483647 ms, received Infinity (number)'],
    [{ signals: 'SIGTERM' }, TypeError, "options.signals must be an array of signal names, received 'SIGTERM' (string)"],
    [{ signals: ['SIGTERM', 15] }, TypeError, 'options.signals[1] must be a signal name such as "SIGTERM", received 15 (number)'],
    [{ signals: ['SIGTREM'] }, RangeError, "options.signals[0] must be a signal name this platform knows, received 'SIGTREM' (string)"],
    [{ signals: ['SIGKILL'] }, RangeError, 'options.signals[0] must be a signal that can be caught'],
    [{ signals: ['SIGSTOP'] }, RangeError, 'options.signals[0] must be a signal that can be caught'],
    [{ signals: ['SIGUSR1'] }, RangeError, 'options.signals[0] must be a signal Node does not reserve'],
    [{ handleErrors: 'yes' }, TypeError, "options.handleErrors must be a boolean, received 'yes' (string)"],
    [{ exit: 0 }, TypeError, 'options.exit must be a boolean, received 0 (number)'],
    [{ logger: true }, TypeError, 'options.logger must be a logger (console, pino) or false, received true (boolean)'],
    [{ logger: { info() {}, warn() {} } }, TypeError, 'options.logger.error must be a function, received undefined (undefined)'],
    [{ logger: { info() {}, warn() {}, error() {}, flush: 1 } }, TypeError, 'options.logger.flush must be a function or undefined'],
    [{ exitCodes: 1 }, TypeError, 'options.exitCodes must be an object'],
    [{ exitCodes: { ok: 0 } }, TypeError, 'options.exitCodes.ok must be one of clean, failed, error'],
    [{ exitCodes: { failed: 256 } }, RangeError, 'options.exitCodes.failed must be an integer from 0 to 255, received 256 (number)'],
    [{ exitCodes: { error: 1.5 } }, RangeError, 'options.exitCodes.error must be an integer from 0 to 255'],
    [{ taskStacks: 'no' }, TypeError, 'options.taskStacks must be a boolean'],
    [{ watchdog: 1 }, TypeError, 'options.watchdog must be a boolean, received 1 (number)'],
    [{ exit: false, watchdog: true }, RangeError, 'options.watchdog must be false when options.exit is false (it ends the process), received true (boolean)'],
    [{ readinessDelay: '5s' }, TypeError, "options.readinessDelay must be a number of milliseconds, received '5s' (string)"],
    [{ readinessDelay: -1 }, RangeError, 'options.readinessDelay must be at least 0 and below options.timeout (8000 ms), received -1 (number)'],
    [{ timeout: 1_000, readinessDelay: 1_000 }, RangeError, 'options.readinessDelay must be at least 0 and below options.timeout (1000 ms), received 1000 (number)'],
  ];
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

describe('call arguments', () => {
  it('addServer() takes servers only, and names what it got instead', () => {
    const coordinator = testCoordinator();
    const app = (_req: unknown, _res: unknown) => {};
    expect(() => coordinator.addServer(app as never)).toThrow(
      /addServer\(server\) must be an http, https or http2 server \(what app.listen\(\) returns, not the app\), received \[Function: app\] \(function\)/,
    );
    expect(() => coordinator.addServer(new NetServer() as never)).toThrow(TypeError);
    const server = createServer();
    expect(() => coordinator.addServer(server, { onUpgraded: 'close' as never })).toThrow(/options.onUpgraded must be a function/);
    expect(() => coordinator.addServer(server, { timeout: -1 })).toThrow(RangeError);
    expect(() => coordinator.addServer(server, { name: '' })).toThrow(/options.name must be a non-empty string/);
  });

  it('register() names the bad field', () => {
    const coordinator = testCoordinator();
    const run = () => {};
    expect(() => coordinator.register(null as never)).toThrow(/register\(hook\) must be an object, received null \(null\)/);
    expect(() => coordinator.register({ name: '', phase: 'drain', run })).toThrow(/hook.name must be a non-empty string, received '' \(string\)/);
    expect(() => coordinator.register({ name: 'x', phase: 'close' as never, run })).toThrow(
      /hook.phase must be one of stop-intake, stop-scheduler, close-http, drain, close-clients, exit, received 'close' \(string\)/,
    );
    expect(() => coordinator.register({ name: 'x', phase: 'drain', run: 'go' as never })).toThrow(TypeError);
    const timeout = thrownBy(() => coordinator.register({ name: 'x', phase: 'drain', timeout: 0, run }));
    expect(timeout).toBeInstanceOf(RangeError);
    expect(timeout.message).toContain('hook.timeout must be above 0');
  });

  it('shutdown() rejects a bad exit code or reason at the call', () => {
    const coordinator = testCoordinator();
    expect(() => coordinator.shutdown({ exitCode: '1' as never })).toThrow(/options.exitCode must be an integer exit code, received '1' \(string\)/);
    expect(() => coordinator.shutdown({ exitCode: -1 })).toThrow(RangeError);
    expect(() => coordinator.shutdown({ reason: 42 as never })).toThrow(/options.reason must be a string, received 42 \(number\)/);
    expect(coordinator.state).toBe('running');
  });

  it('track() and run() name what is wrong', () => {
    const coordinator = testCoordinator();
    expect(() => coordinator.track(42 as never)).toThrow(/track\(promise\) must be a promise, received 42 \(number\)/);
    expect(() => coordinator.run('job' as never)).toThrow(/run\(fn\) must be a function/);
    expect(() => coordinator.run(() => {}, { name: 7 as never })).toThrow(/options.name must be a non-empty string, received 7 \(number\)/);
    expect(() => coordinator.track(Promise.resolve(), { onAbandon: 'nack' as never })).toThrow(/options.onAbandon must be a function/);
  });
});
