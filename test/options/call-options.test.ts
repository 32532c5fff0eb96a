// The options bag of every method: a misspelt key, a wrong type or a value out of range is a
// TypeError or RangeError at the call, naming the option and the value received.
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { Server as NetServer } from 'node:net';
import { Worker } from 'node:worker_threads';
import { describe, expect, it, onTestFinished } from 'vitest';
import { testCoordinator } from '../helpers/coordinator.js';
import { thrownBy } from '../helpers/thrown.js';

const run = () => {};

function expectInvalid(error: Error & { code?: string }, kind: typeof TypeError | typeof RangeError, message: string): void {
  expect(error).toBeInstanceOf(kind);
  expect(error.code).toBe('LASTCALL_ERR_INVALID_ARG');
  expect(error.message).toContain(`lastcall: ${message}`);
}

describe('shutdown(options)', () => {
  it('a misspelt key rejects its promise with a TypeError naming it, and no shutdown starts (shutdown({ exitcode: 3 }) exited 0 in 0.1)', async () => {
    const coordinator = testCoordinator();
    const error = await coordinator.shutdown({ exitcode: 3 } as never).then(() => undefined, (rejection: Error) => rejection);
    expectInvalid(error!, TypeError, 'shutdown() options.exitcode is not an option (did you mean exitCode?); the options are reason, exitCode; received 3 (number)');
    expect(coordinator.state).toBe('running');
    expect(coordinator.signal.aborted).toBe(false);
  });

  it('a bad exit code or reason rejects, and no shutdown starts', async () => {
    const coordinator = testCoordinator();
    const rejection = (options: unknown) => coordinator.shutdown(options as never).then(() => undefined, (error: Error) => error);
    expectInvalid((await rejection({ exitCode: '1' }))!, TypeError, "shutdown() options.exitCode must be an integer exit code, received '1' (string)");
    expectInvalid((await rejection({ exitCode: -1 }))!, RangeError, 'shutdown() options.exitCode must be an integer from 0 to 255, received -1 (number)');
    expectInvalid((await rejection({ exitCode: 256 }))!, RangeError, 'shutdown() options.exitCode must be an integer from 0 to 255, received 256 (number)');
    expectInvalid((await rejection({ reason: 42 }))!, TypeError, 'shutdown() options.reason must be a string, received 42 (number)');
    expectInvalid((await rejection('now'))!, TypeError, "shutdown() options must be an object, received 'now' (string)");
    expect(coordinator.state).toBe('running');
  });

  it('a valid code still counts: the exit code asked for is the report\'s', async () => {
    const report = await testCoordinator().shutdown({ reason: 'test', exitCode: 3 });
    expect(report.exitCode).toBe(3);
  });
});

describe('register(hook)', () => {
  it('a misspelt key throws a TypeError naming it', () => {
    const error = thrownBy(() => testCoordinator().register({ name: 'x', phase: 'drain', tiemout: 5, run } as never));
    expectInvalid(error, TypeError, 'hook.tiemout is not an option (did you mean timeout?); the options are name, phase, timeout, run; received 5 (number)');
  });

  it('names the bad field and what it got', () => {
    const coordinator = testCoordinator();
    expectInvalid(thrownBy(() => coordinator.register(null as never)), TypeError, 'register(hook) must be an object, received null (null)');
    expectInvalid(thrownBy(() => coordinator.register({ name: '', phase: 'drain', run })), TypeError, "hook.name must be a non-empty string, received '' (string)");
    expectInvalid(
      thrownBy(() => coordinator.register({ name: 'x', phase: 'close' as never, run })),
      TypeError,
      "hook.phase must be one of stop-intake, stop-scheduler, close-http, drain, close-clients, exit, received 'close' (string)",
    );
    expectInvalid(thrownBy(() => coordinator.register({ name: 'x', phase: 'drain', run: 'go' as never })), TypeError, "hook.run must be a function, received 'go' (string)");
    expectInvalid(thrownBy(() => coordinator.register({ name: 'x', phase: 'drain', timeout: 0, run })), RangeError, 'hook.timeout must be an integer from 1 to 2147483647 (ms), received 0 (number)');
    expectInvalid(thrownBy(() => coordinator.register({ name: 'x', phase: 'drain', timeout: NaN, run })), TypeError, 'hook.timeout must be a number of milliseconds, received NaN (number)');
  });
});

describe('addServer(server, options)', () => {
  it('a misspelt key throws a TypeError naming it', () => {
    const error = thrownBy(() => testCoordinator().addServer(createServer(), { timout: 100 } as never));
    expectInvalid(error, TypeError, 'addServer() options.timout is not an option (did you mean timeout?); the options are name, timeout, onUpgraded; received 100 (number)');
  });

  it('names the bad field and what it got', () => {
    const coordinator = testCoordinator();
    const server = createServer();
    expectInvalid(thrownBy(() => coordinator.addServer(server, { onUpgraded: 'close' as never })), TypeError, "addServer() options.onUpgraded must be a function, received 'close' (string)");
    expectInvalid(thrownBy(() => coordinator.addServer(server, { timeout: -1 })), RangeError, 'addServer() options.timeout must be an integer from 1');
    expectInvalid(thrownBy(() => coordinator.addServer(server, { name: '' })), TypeError, "addServer() options.name must be a non-empty string, received '' (string)");
  });

  it('takes servers only, says where a framework keeps its own, and shows what it got in one short line', () => {
    const coordinator = testCoordinator();
    const app = (_req: unknown, _res: unknown) => {};
    expectInvalid(
      thrownBy(() => coordinator.addServer(app as never)),
      TypeError,
      'addServer(server) must be an http, https or http2 server (not the app itself: Express and Koa return the server from app.listen()), received [Function: app] (function)',
    );
    expect(thrownBy(() => coordinator.addServer(new NetServer() as never))).toBeInstanceOf(TypeError);

    // A framework instance: big, full of functions and nested objects (Fastify's printed 14 KB).
    const fastifyLike = { server: createServer(), ...Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`decorator${i}`, { deep: { deeper: i } }])) };
    const fastify = thrownBy(() => coordinator.addServer(fastifyLike as never));
    expect(fastify.message).toContain('(this object has one as .server: pass that, as with fastify.server)');
    const nest = thrownBy(() => coordinator.addServer({ getHttpServer: () => createServer() } as never));
    expect(nest.message).toContain('(pass app.getHttpServer(), as with NestJS)');
    for (const error of [fastify, nest]) {
      expect(error.message).not.toContain('\n');
      expect(error.message.length).toBeLessThan(300);
    }
  });
});

describe('addCluster(options)', () => {
  it('a misspelt key throws a TypeError naming it', () => {
    const error = thrownBy(() => testCoordinator().addCluster({ nmae: 'workers' } as never));
    expectInvalid(error, TypeError, "addCluster() options.nmae is not an option (did you mean name?); the options are name, timeout; received 'workers' (string)");
  });

  it('names the bad field and what it got', () => {
    expectInvalid(thrownBy(() => testCoordinator().addCluster({ timeout: '1s' as never })), TypeError, "addCluster() options.timeout must be a number of milliseconds, received '1s' (string)");
  });
});

describe('track(promise, options) and run(fn, options)', () => {
  it('a misspelt key throws a TypeError naming it, and nothing is tracked', () => {
    const coordinator = testCoordinator();
    const onAbandon = () => {};
    expectInvalid(
      thrownBy(() => coordinator.track(Promise.resolve(), { onAbandonn: onAbandon } as never)),
      TypeError,
      'track() options.onAbandonn is not an option (did you mean onAbandon?); the options are name, onAbandon; received [Function: onAbandon] (function)',
    );
    expectInvalid(thrownBy(() => coordinator.run(() => {}, { Name: 'job' } as never)), TypeError, "run() options.Name is not an option (did you mean name?); the options are name, onAbandon; received 'job' (string)");
    expect(coordinator.inFlight).toBe(0);
  });

  it('names the bad argument and what it got', () => {
    const coordinator = testCoordinator();
    expectInvalid(thrownBy(() => coordinator.track(42 as never)), TypeError, 'track(promise) must be a promise, received 42 (number)');
    expectInvalid(thrownBy(() => coordinator.run('job' as never)), TypeError, "run(fn) must be a function, received 'job' (string)");
    expectInvalid(thrownBy(() => coordinator.run(() => {}, { name: 7 as never })), TypeError, 'run() options.name must be a non-empty string, received 7 (number)');
    expectInvalid(thrownBy(() => coordinator.track(Promise.resolve(), { onAbandon: 'nack' as never })), TypeError, "track() options.onAbandon must be a function, received 'nack' (string)");
  });
});

describe('addWorker(worker, options) and addChild(child, options)', () => {
  // Real ones, ended with the test: the options are checked before either is touched.
  const worker = (): Worker => {
    const thread = new Worker('setTimeout(() => {}, 10_000)', { eval: true });
    onTestFinished(() => void thread.terminate());
    return thread;
  };
  const child = () => {
    const spawned = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 10_000)'], { stdio: 'ignore' });
    onTestFinished(() => void spawned.kill('SIGKILL'));
    return spawned;
  };

  it('a misspelt key throws a TypeError naming it', () => {
    const coordinator = testCoordinator();
    expectInvalid(
      thrownBy(() => coordinator.addWorker(worker(), { timout: 100 } as never)),
      TypeError,
      'addWorker() options.timout is not an option (did you mean timeout?); the options are name, timeout; received 100 (number)',
    );
    expectInvalid(
      thrownBy(() => coordinator.addChild(child(), { singal: 'SIGINT' } as never)),
      TypeError,
      "addChild() options.singal is not an option (did you mean signal?); the options are name, signal, timeout; received 'SIGINT' (string)",
    );
  });

  it('names the bad argument and what it got', () => {
    const coordinator = testCoordinator();
    expectInvalid(thrownBy(() => coordinator.addWorker({ threadId: 1 } as never)), TypeError, 'addWorker(worker) must be a Worker from node:worker_threads, received { threadId: 1 } (object)');
    expectInvalid(
      thrownBy(() => coordinator.addChild(worker() as never)),
      TypeError,
      'addChild(child) must be a ChildProcess from node:child_process (what spawn(), fork() and exec() return)',
    );
    expectInvalid(thrownBy(() => coordinator.addWorker(worker(), { timeout: 0 })), RangeError, 'addWorker() options.timeout must be an integer from 1 to 2147483647 (ms), received 0 (number)');
    expectInvalid(thrownBy(() => coordinator.addChild(child(), { signal: 'SIGSTOPP' as never })), RangeError, "addChild() options.signal must be a signal name this platform knows, received 'SIGSTOPP' (string)");
    expectInvalid(thrownBy(() => coordinator.addChild(child(), { signal: 15 as never })), TypeError, 'addChild() options.signal must be a signal name such as "SIGTERM", received 15 (number)');
    expectInvalid(thrownBy(() => coordinator.addChild(child(), { name: '' })), TypeError, "addChild() options.name must be a non-empty string, received '' (string)");
  });
});
