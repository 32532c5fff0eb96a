// start() in process: readiness, the promise's outcome, and argument errors.
import { describe, expect, it } from 'vitest';
import { LastcallError, type ShutdownReport } from '../../src/index.js';
import { delay, nextTurn, testCoordinator } from '../helpers/coordinator.js';

function readinessOf(coordinator: ReturnType<typeof testCoordinator>): Promise<[number, string]> {
  return new Promise((resolve) => {
    const headers: Record<string, string> = {};
    const res = {
      statusCode: 0,
      setHeader: (name: string, value: string) => void (headers[name] = value),
      end(body: string) {
        resolve([this.statusCode, `${headers.connection ?? '-'} ${body.trim()}`]);
      },
    };
    coordinator.readinessHandler({} as never, res as never);
  });
}

describe('start()', () => {
  it('a coordinator is not ready until start() has completed, and not ready from the trigger on', async () => {
    const coordinator = testCoordinator();
    expect(coordinator.ready).toBe(false);
    expect(await readinessOf(coordinator)).toEqual([503, '- starting']);
    let finish!: () => void;
    let running!: () => void;
    const inStartUp = new Promise<void>((resolve) => (running = resolve));
    const started = coordinator.start(() => new Promise<void>((resolve) => ((finish = resolve), running())));
    await inStartUp;
    expect(coordinator.ready).toBe(false);
    finish();
    await started;
    expect(coordinator.ready).toBe(true);
    expect(await readinessOf(coordinator)).toEqual([200, '- ready']);
    const done = coordinator.shutdown();
    expect(coordinator.ready).toBe(false);
    expect(await readinessOf(coordinator)).toEqual([503, 'close stopping']);
    await done;
  });

  it('without a function, marks the service started', async () => {
    const coordinator = testCoordinator();
    await coordinator.start();
    expect(coordinator.ready).toBe(true);
  });

  it('a start-up that rejects starts the shutdown with trigger start-up and exitCodes.startUp; start() rejects with LASTCALL_ERR_NOT_STARTED (exit: false)', async () => {
    const coordinator = testCoordinator({ exitCodes: { startUp: 3 } });
    const failure = new Error('no database');
    const outcome = await coordinator.start(() => Promise.reject(failure)).then(() => 'resolved', (error: unknown) => error);
    expect(outcome).toBeInstanceOf(LastcallError);
    expect(outcome).toMatchObject({ code: 'LASTCALL_ERR_NOT_STARTED', cause: failure });
    const report = await coordinator.shutdown();
    expect(report.trigger).toEqual({ type: 'start-up', error: failure });
    expect(report.outcome).toBe('failed');
    expect(report.exitCode).toBe(3);
    expect(coordinator.ready).toBe(false);
  });

  it('a start-up past its timeout: its signal aborts with a TimeoutError, the trigger carries LASTCALL_ERR_START_TIMEOUT', async () => {
    const coordinator = testCoordinator();
    let reason: unknown;
    const outcome = coordinator.start(({ signal }) => new Promise((resolve) => signal.addEventListener('abort', () => resolve((reason = signal.reason)))), { timeout: 50 });
    await expect(outcome).rejects.toMatchObject({ code: 'LASTCALL_ERR_NOT_STARTED' });
    expect((reason as DOMException).name).toBe('TimeoutError');
    const report = await coordinator.shutdown();
    expect(report.trigger).toMatchObject({ type: 'start-up', error: { code: 'LASTCALL_ERR_START_TIMEOUT' } });
    expect(report.exitCode).toBe(1);
  });

  it('a trigger during the start-up aborts its signal; it never becomes ready, even if it then resolves; the exit code is the trigger\'s', async () => {
    const coordinator = testCoordinator();
    let aborted: unknown;
    const outcome = coordinator.start(async ({ signal }) => {
      signal.addEventListener('abort', () => (aborted = signal.reason));
      await delay(30);
    });
    const report = await coordinator.shutdown({ reason: 'deploy' });
    await expect(outcome).rejects.toMatchObject({ code: 'LASTCALL_ERR_NOT_STARTED' });
    expect((aborted as DOMException).name).toBe('AbortError');
    expect(coordinator.ready).toBe(false);
    expect(report.exitCode).toBe(0);
  });

  it('start() after the trigger never runs its function', async () => {
    const coordinator = testCoordinator();
    await coordinator.shutdown();
    let ran = false;
    await expect(coordinator.start(() => void (ran = true))).rejects.toMatchObject({ code: 'LASTCALL_ERR_NOT_STARTED' });
    expect(ran).toBe(false);
  });

  it('its own rejection, left unhandled, is no uncaught error of the run', async () => {
    const coordinator = testCoordinator({ handleErrors: true });
    const reported = new Promise<ShutdownReport>((resolve) => coordinator.once('report', resolve));
    void coordinator.start(() => Promise.reject(new Error('no database')));
    const report = await reported;
    await nextTurn();
    expect(report.errors).toEqual([]);
    expect(report.outcome).toBe('failed');
  });

  it('rejects a second call, a function that is not one, and bad options, at the call', async () => {
    const coordinator = testCoordinator();
    await expect(coordinator.start('go' as never)).rejects.toThrow(/start\(fn\) must be a function, received 'go' \(string\)/);
    await expect(coordinator.start(undefined, { timout: 5 } as never)).rejects.toThrow(/start\(\) options.timout is not an option \(did you mean timeout\?\)/);
    await expect(coordinator.start(undefined, { timeout: 0 })).rejects.toThrow(RangeError);
    await coordinator.start();
    await expect(coordinator.start()).rejects.toMatchObject({ code: 'LASTCALL_ERR_ALREADY_STARTED' });
  });
});
