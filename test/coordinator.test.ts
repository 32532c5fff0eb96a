import { channel } from 'node:diagnostics_channel';
import { describe, expect, it } from 'vitest';
import { CHANNELS, PHASES, type HookContext, type Phase, type ShutdownReport } from '../src/index.js';
import { delay, nextTurn, testCoordinator } from './helpers/coordinator.js';

// In-process tests use SIGUSR2 through process.emit: it calls our listener without a real
// signal, and the test runner has no listener of its own for it.
const SIGNAL = 'SIGUSR2';
const SIGNAL_CODE = 128 + 12;

function hookOf(report: ShutdownReport, name: string) {
  const hook = report.phases.flatMap((phase) => phase.hooks).find((each) => each.name === name);
  if (hook === undefined) throw new Error(`no hook ${name} in the report`);
  return hook;
}

describe('the sequence', () => {
  it('runs the phases in order, the hooks of one phase concurrently', async () => {
    const coordinator = testCoordinator();
    const events: string[] = [];
    for (const phase of PHASES) {
      for (const n of [1, 2]) {
        coordinator.register({
          name: `${phase}-${n}`,
          phase,
          run: async () => {
            events.push(`start ${phase}-${n}`);
            await delay(10);
            events.push(`end ${phase}-${n}`);
          },
        });
      }
    }
    const report = await coordinator.shutdown();

    expect(events).toEqual(PHASES.flatMap((p) => [`start ${p}-1`, `start ${p}-2`, `end ${p}-1`, `end ${p}-2`]));
    expect(report.phases.map((phase) => phase.name)).toEqual(PHASES);
    expect(report.outcome).toBe('clean');
    expect(report.exitCode).toBe(0);
    expect(coordinator.state).toBe('stopped');
    expect(process.exitCode).toBe(0);
  });

  it('gives each hook its signal, the trigger, and its deadline', async () => {
    const coordinator = testCoordinator({ timeout: 1_000 });
    let seen: HookContext | undefined;
    coordinator.register({ name: 'h', phase: 'close-clients', timeout: 200, run: (context) => void (seen = context) });
    const before = Date.now();
    await coordinator.shutdown({ reason: 'test' });

    expect(seen?.trigger).toEqual({ type: 'call', reason: 'test' });
    expect(seen?.signal).toBeInstanceOf(AbortSignal);
    expect(seen?.signal.aborted).toBe(false);
    expect(seen!.deadline).toBeGreaterThanOrEqual(before + 200 - 5);
    expect(seen!.deadline).toBeLessThanOrEqual(Date.now() + 200 + 5);
  });

  it('aborts coordinator.signal and turns state to stopping when the shutdown starts', async () => {
    const coordinator = testCoordinator();
    expect(coordinator.state).toBe('running');
    expect(coordinator.signal.aborted).toBe(false);
    const states: string[] = [];
    coordinator.signal.addEventListener('abort', () => states.push(coordinator.state));
    const done = coordinator.shutdown();
    expect(coordinator.signal.aborted).toBe(true);
    expect((coordinator.signal.reason as DOMException).name).toBe('AbortError');
    await done;
    expect(states).toEqual(['stopping']);
  });
});

describe('guarantee 1: one run', () => {
  it('returns the same promise to every caller and runs each hook once', async () => {
    const coordinator = testCoordinator({ signals: [SIGNAL] });
    let runs = 0;
    coordinator.register({ name: 'once', phase: 'stop-intake', run: () => void runs++ });
    const first = coordinator.shutdown({ reason: 'first' });
    const second = coordinator.shutdown({ reason: 'second', exitCode: 9 });
    expect(second).toBe(first);
    const report = await first;

    expect(runs).toBe(1);
    expect(report.trigger).toEqual({ type: 'call', reason: 'first' });
    // The first call asked for no code, so the joining call's counts.
    expect(report.exitCode).toBe(9);
  });

  it('the first exit code asked for wins over a joining call\'s', async () => {
    const coordinator = testCoordinator();
    const first = coordinator.shutdown({ exitCode: 3 });
    void coordinator.shutdown({ exitCode: 9 });
    expect((await first).exitCode).toBe(3);
  });

  it('a signal after a shutdown() call joins the run instead of starting another', async () => {
    const coordinator = testCoordinator({ signals: [SIGNAL] });
    let runs = 0;
    coordinator.register({ name: 'once', phase: 'close-clients', run: () => void runs++ });
    process.emit(SIGNAL, SIGNAL);
    const report = await coordinator.shutdown();
    expect(runs).toBe(1);
    expect(report.trigger).toEqual({ type: 'signal', signal: SIGNAL });
  });

  it('a call from a coordinator.signal abort listener joins the run', async () => {
    const coordinator = testCoordinator();
    let joined: Promise<ShutdownReport> | undefined;
    coordinator.signal.addEventListener('abort', () => (joined = coordinator.shutdown()));
    const started = coordinator.shutdown();
    expect(joined).toBe(started);
    await started;
  });

  it('a joining call\'s exit code counts when the first call gave none', async () => {
    const coordinator = testCoordinator({ signals: [SIGNAL] });
    process.emit(SIGNAL, SIGNAL);
    const report = await coordinator.shutdown({ exitCode: 5 });
    expect(report.exitCode).toBe(5);
  });
});

describe('guarantee 2: no self-deadlock', () => {
  it('a hook that awaits shutdown() is released, and the run does not wait for it', async () => {
    const coordinator = testCoordinator({ timeout: 5_000 });
    let inner: ShutdownReport | undefined;
    coordinator.register({
      name: 'awaits-the-run',
      phase: 'stop-intake',
      run: async () => {
        inner = await coordinator.shutdown();
      },
    });
    const started = performance.now();
    const report = await coordinator.shutdown();

    expect(performance.now() - started).toBeLessThan(1_000);
    expect(hookOf(report, 'awaits-the-run').outcome).toBe('released');
    expect(report.outcome).toBe('clean');
    await nextTurn();
    expect(inner).toBe(report);
  });

  it('a hook started by a signal that calls shutdown() synchronously is released too', async () => {
    const coordinator = testCoordinator({ timeout: 5_000, signals: [SIGNAL] });
    let waited: Promise<ShutdownReport> | undefined;
    coordinator.register({ name: 'sync-caller', phase: 'close-http', run: () => (waited = coordinator.shutdown()) });
    process.emit(SIGNAL, SIGNAL);
    const report = await coordinator.shutdown();
    expect(hookOf(report, 'sync-caller').outcome).toBe('released');
    expect(await waited).toBe(report);
  });
});

describe('guarantee 3: a repeated signal escalates', () => {
  it('with exit: false it aborts running hooks, skips the rest and resolves with 128 + n', async () => {
    const coordinator = testCoordinator({ timeout: 10_000, signals: [SIGNAL] });
    let reason: unknown;
    let later = 0;
    coordinator.register({
      name: 'slow',
      phase: 'stop-scheduler',
      run: ({ signal }) =>
        new Promise<void>((resolve) => {
          signal.addEventListener('abort', () => ((reason = signal.reason), resolve()));
          setTimeout(() => process.emit(SIGNAL, SIGNAL), 10);
        }),
    });
    coordinator.register({ name: 'later', phase: 'close-clients', run: () => void later++ });
    process.emit(SIGNAL, SIGNAL);
    const started = performance.now();
    const report = await coordinator.shutdown();

    expect(performance.now() - started).toBeLessThan(1_000);
    expect(report.outcome).toBe('forced');
    expect(report.exitCode).toBe(SIGNAL_CODE);
    expect(process.exitCode).toBe(SIGNAL_CODE);
    expect((reason as DOMException).name).toBe('AbortError');
    expect(hookOf(report, 'slow').outcome).toBe('aborted');
    expect(later).toBe(0);
    expect(report.phases.filter((phase) => phase.outcome === 'skipped').map((phase) => phase.name)).toEqual([
      'close-http',
      'drain',
      'close-clients',
      'exit',
    ]);
  });

  it('a first signal joins a shutdown started by code, and only a second one forces (regression: one SIGTERM cut a call-started drain)', async () => {
    // A stop-intake hook that receives `count` signals, then ends on its own or when aborted.
    const receiving = (count: number) => {
      const coordinator = testCoordinator({ timeout: 5_000, signals: [SIGNAL] });
      coordinator.register({
        name: `gets ${count} signal(s)`,
        phase: 'stop-intake',
        run: ({ signal }) =>
          new Promise<void>((resolve) => {
            signal.addEventListener('abort', () => resolve());
            for (let i = 0; i < count; i++) process.emit(SIGNAL, SIGNAL);
            setTimeout(resolve, 30);
          }),
      });
      return coordinator.shutdown({ reason: 'bad start-up' });
    };

    const joined = await receiving(1);
    expect(joined.outcome).toBe('clean');
    expect(joined.exitCode).toBe(0);
    expect(hookOf(joined, 'gets 1 signal(s)').outcome).toBe('ok');

    const forced = await receiving(2);
    expect(forced.outcome).toBe('forced');
    expect(forced.exitCode).toBe(SIGNAL_CODE);
    expect(hookOf(forced, 'gets 2 signal(s)').outcome).toBe('aborted');
  });

  it('a forced exit wins over the exit code asked for', async () => {
    const coordinator = testCoordinator({ signals: [SIGNAL] });
    coordinator.register({ name: 'force', phase: 'stop-intake', run: () => void (process.emit(SIGNAL, SIGNAL), process.emit(SIGNAL, SIGNAL)) });
    const report = await coordinator.shutdown({ exitCode: 4 });
    expect(report.exitCode).toBe(SIGNAL_CODE);
  });
});

describe('guarantee 4: late registration', () => {
  it('a hook registered for a phase that already ran runs at once, and the run waits for it', async () => {
    const coordinator = testCoordinator();
    const events: string[] = [];
    coordinator.register({
      name: 'creates-a-client',
      phase: 'close-clients',
      run: () => {
        coordinator.register({
          name: 'late-intake',
          phase: 'stop-intake',
          run: async () => {
            await delay(20);
            events.push('late-intake done');
          },
        });
      },
    });
    coordinator.register({ name: 'last', phase: 'exit', run: () => void events.push('exit') });
    const report = await coordinator.shutdown();

    expect(events).toEqual(['late-intake done', 'exit']);
    expect(hookOf(report, 'late-intake')).toMatchObject({ outcome: 'ok', late: true, phase: 'stop-intake' });
    expect(report.phases.find((phase) => phase.name === 'close-clients')!.hooks.map((hook) => hook.name)).toEqual([
      'creates-a-client',
      'late-intake',
    ]);
  });

  it('a hook registered during the shutdown for a phase still to come runs with that phase', async () => {
    const coordinator = testCoordinator();
    const events: string[] = [];
    coordinator.register({
      name: 'opens-a-pool',
      phase: 'stop-intake',
      run: () => {
        coordinator.register({ name: 'pool', phase: 'close-clients', run: () => void events.push('pool closed') });
      },
    });
    coordinator.register({ name: 'http', phase: 'close-http', run: () => void events.push('http closed') });
    const report = await coordinator.shutdown();
    expect(events).toEqual(['http closed', 'pool closed']);
    expect(hookOf(report, 'pool').late).toBe(false);
  });

  it('a hook that registers another of its own phase starts it once (regression: the phase loop started it again)', async () => {
    const coordinator = testCoordinator();
    let runs = 0;
    coordinator.register({
      name: 'a',
      phase: 'close-http',
      run: () => void coordinator.register({ name: 'b', phase: 'close-http', run: () => void runs++ }),
    });
    const report = await coordinator.shutdown();
    expect(runs).toBe(1);
    expect(report.phases.find((phase) => phase.name === 'close-http')!.hooks.map((hook) => `${hook.name}${hook.late ? ' (late)' : ''}`)).toEqual([
      'a',
      'b (late)',
    ]);
  });

  it('unregister removes a hook that has not run', async () => {
    const coordinator = testCoordinator();
    let runs = 0;
    const unregister = coordinator.register({ name: 'gone', phase: 'stop-intake', run: () => void runs++ });
    unregister();
    unregister();
    const report = await coordinator.shutdown();
    expect(runs).toBe(0);
    expect(report.phases[0]!.hooks).toEqual([]);
  });
});

describe('guarantee 5: bounded', () => {
  it('cuts a hook at its own timeout, aborting its signal, never early, and goes on', async () => {
    const coordinator = testCoordinator({ timeout: 5_000 });
    let aborted: { at: number; reason: unknown } | undefined;
    const started = performance.now();
    coordinator.register({
      name: 'hangs',
      phase: 'stop-intake',
      timeout: 100,
      run: ({ signal }) => {
        signal.addEventListener('abort', () => (aborted = { at: performance.now(), reason: signal.reason }));
        return new Promise(() => {});
      },
    });
    let after = false;
    coordinator.register({ name: 'after', phase: 'close-clients', run: () => void (after = true) });
    const report = await coordinator.shutdown();

    expect(hookOf(report, 'hangs').outcome).toBe('timeout');
    expect(hookOf(report, 'hangs').duration).toBeGreaterThanOrEqual(100);
    expect(aborted!.at - started).toBeGreaterThanOrEqual(100);
    expect((aborted!.reason as DOMException).name).toBe('TimeoutError');
    expect(after).toBe(true);
    expect(report.outcome).toBe('failed');
    expect(report.exitCode).toBe(1);
    expect(report.duration).toBeLessThan(2_000);
  });

  it('a hook that blocks past its deadline and then returns is a timeout, not ok (regression: reported ok)', async () => {
    const coordinator = testCoordinator({ timeout: 2_000 });
    coordinator.register({
      name: 'blocks',
      phase: 'stop-intake',
      timeout: 20,
      run: () => {
        const until = performance.now() + 60;
        while (performance.now() < until);
      },
    });
    const report = await coordinator.shutdown();
    expect(hookOf(report, 'blocks').outcome).toBe('timeout');
    expect(report.outcome).toBe('failed');
  });

  it('caps hooks without a timeout before the reserves: the drain slice and the exit reserve', async () => {
    // 1000 ms: exit reserve 20 ms, abandon reserve 100 ms.
    const coordinator = testCoordinator({ timeout: 1_000 });
    const deadlines = new Map<Phase, number>();
    const start = Date.now();
    for (const phase of ['stop-intake', 'close-clients'] as const) {
      coordinator.register({ name: phase, phase, timeout: 60_000, run: ({ deadline }) => void deadlines.set(phase, deadline - start) });
    }
    await coordinator.shutdown();
    expect(deadlines.get('stop-intake')).toBeGreaterThanOrEqual(880 - 5);
    expect(deadlines.get('stop-intake')).toBeLessThanOrEqual(880 + 5);
    expect(deadlines.get('close-clients')).toBeGreaterThanOrEqual(980 - 5);
    expect(deadlines.get('close-clients')).toBeLessThanOrEqual(980 + 5);
  });

  it('ends the run by the total budget however many hooks hang', async () => {
    const coordinator = testCoordinator({ timeout: 400 });
    for (const phase of PHASES) coordinator.register({ name: `${phase}-hangs`, phase, run: () => new Promise(() => {}) });
    const started = performance.now();
    const report = await coordinator.shutdown();
    const took = performance.now() - started;

    // The first phase takes everything up to its cap (400 - 8 - 40); the rest find no time left.
    expect(took).toBeGreaterThanOrEqual(352);
    expect(took).toBeLessThan(400 + 300);
    expect(report.phases.flatMap((phase) => phase.hooks).every((hook) => hook.outcome === 'timeout' || hook.name === 'in-flight tasks')).toBe(true);
  });
});

describe('guarantee 5: the readiness delay comes before the budget', () => {
  it('regression: a readinessDelay that left the first phases no time was accepted, and their hooks then timed out at once', async () => {
    const coordinator = testCoordinator({ timeout: 1_000, readinessDelay: 950 });
    coordinator.register({ name: 'consumer', phase: 'stop-intake', run: () => delay(100) });
    const started = performance.now();
    const report = await coordinator.shutdown();
    expect(hookOf(report, 'consumer').outcome).toBe('ok');
    expect(report.outcome).toBe('clean');
    // The delay, then the hook: the budget of the phases began after the delay.
    expect(performance.now() - started).toBeGreaterThanOrEqual(950 + 100);
  });
});

describe('guarantee 6: isolated', () => {
  it('records a hook that throws, rejects or throws a non-Error, and runs the others', async () => {
    const coordinator = testCoordinator();
    const thrown = new Error('sync');
    coordinator.register({ name: 'throws', phase: 'stop-intake', run: () => { throw thrown; } });
    coordinator.register({ name: 'rejects', phase: 'stop-intake', run: () => Promise.reject(new Error('async')) });
    coordinator.register({ name: 'throws-a-string', phase: 'close-http', run: () => { throw 'just a string'; } });
    let ran = 0;
    coordinator.register({ name: 'fine', phase: 'stop-intake', run: () => void ran++ });
    coordinator.register({ name: 'later', phase: 'close-clients', run: () => void ran++ });
    const report = await coordinator.shutdown();

    expect(ran).toBe(2);
    expect(hookOf(report, 'throws')).toMatchObject({ outcome: 'error', error: thrown });
    expect((hookOf(report, 'rejects').error as Error).message).toBe('async');
    expect(hookOf(report, 'throws-a-string')).toMatchObject({ outcome: 'error', error: 'just a string' });
    expect(hookOf(report, 'fine').outcome).toBe('ok');
    expect(report.phases.map((phase) => phase.outcome)).toEqual(['failed', 'ok', 'failed', 'ok', 'ok', 'ok']);
    expect(report.exitCode).toBe(1);
  });

  it('survives an event listener and a logger that throw', async () => {
    const throwing = () => {
      throw new Error('listener');
    };
    const coordinator = testCoordinator({ logger: { info: throwing, warn: throwing, error: throwing } });
    coordinator.on('phase', throwing);
    coordinator.on('hook', throwing);
    coordinator.register({ name: 'h', phase: 'drain', run: () => {} });
    const report = await coordinator.shutdown();
    expect(report.outcome).toBe('clean');
  });
});

describe('guarantee 7: exit codes', () => {
  it('uses the exit code given to shutdown() whatever the outcome', async () => {
    const coordinator = testCoordinator();
    coordinator.register({ name: 'fails', phase: 'stop-intake', run: () => Promise.reject(new Error('x')) });
    const report = await coordinator.shutdown({ exitCode: 0 });
    expect(report.outcome).toBe('failed');
    expect(report.exitCode).toBe(0);
  });

  it('takes the codes per outcome from options.exitCodes', async () => {
    const clean = await testCoordinator({ exitCodes: { clean: 64 } }).shutdown();
    expect(clean.exitCode).toBe(64);
    const failing = testCoordinator({ exitCodes: { failed: 70 } });
    failing.register({ name: 'fails', phase: 'exit', run: () => { throw new Error('x'); } });
    expect((await failing.shutdown()).exitCode).toBe(70);
  });
});

describe('guarantee 9: no side effects, no listener leaks', () => {
  it('shares one process listener per event among many coordinators, without a MaxListeners warning', async () => {
    const warnings: Error[] = [];
    const onWarning = (warning: Error) => warnings.push(warning);
    process.on('warning', onWarning);
    const before = process.listenerCount('SIGHUP');
    const coordinators = Array.from({ length: 50 }, () => testCoordinator({ signals: ['SIGHUP'], handleErrors: true }));
    expect(process.listenerCount('SIGHUP')).toBe(before + 1);
    for (const coordinator of coordinators) coordinator.uninstall();
    expect(process.listenerCount('SIGHUP')).toBe(before);
    await nextTurn();
    process.off('warning', onWarning);
    expect(warnings.filter((warning) => warning.name === 'MaxListenersExceededWarning')).toEqual([]);
  });

  it('runs 2,000 hooks in one phase without a MaxListeners warning (regression: each hook listened on one shared AbortSignal)', async () => {
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(warning.name);
    process.on('warning', onWarning);
    const coordinator = testCoordinator();
    for (let i = 0; i < 2_000; i++) coordinator.register({ name: `h${i}`, phase: 'close-clients', run: () => {} });
    const report = await coordinator.shutdown();
    await nextTurn();
    process.off('warning', onWarning);
    expect(report.phases.find((phase) => phase.name === 'close-clients')!.hooks).toHaveLength(2_000);
    expect(warnings).toEqual([]);
  });

  it('uninstall() removes the signal and error listeners it added', () => {
    const counts = () => ['SIGHUP', 'SIGUSR2', 'uncaughtException'].map((event) => process.listenerCount(event));
    const before = counts();
    const coordinator = testCoordinator({ signals: ['SIGHUP', 'SIGUSR2'], handleErrors: true });
    expect(counts()).toEqual(before.map((count) => count + 1));
    coordinator.uninstall();
    coordinator.uninstall();
    expect(counts()).toEqual(before);
  });

  it('with exit: false, gives signals back to Node once the run is over', async () => {
    const before = process.listenerCount(SIGNAL);
    const coordinator = testCoordinator({ signals: [SIGNAL] });
    expect(process.listenerCount(SIGNAL)).toBe(before + 1);
    await coordinator.shutdown();
    expect(process.listenerCount(SIGNAL)).toBe(before);
  });
});

describe('guarantee 10: told, not guessed', () => {
  it('reports trigger, timing and every hook, and emits start, hook, phase and report in order', async () => {
    const coordinator = testCoordinator();
    const events: string[] = [];
    coordinator.on('start', (event) => events.push(`start ${event.trigger.type}`));
    coordinator.on('hook', (hook) => events.push(`hook ${hook.name}`));
    coordinator.on('phase', (phase) => events.push(`phase ${phase.name}`));
    coordinator.on('report', (report) => events.push(`report ${report.outcome}`));
    coordinator.register({ name: 'consumer', phase: 'stop-intake', run: () => delay(15) });
    const before = Date.now();
    const report = await coordinator.shutdown({ reason: 'deploy' });

    expect(events).toEqual([
      'start call',
      'hook consumer',
      'phase stop-intake',
      'phase stop-scheduler',
      'phase close-http',
      'hook in-flight tasks',
      'phase drain',
      'phase close-clients',
      'phase exit',
      'report clean',
    ]);
    expect(report.startedAt).toBeGreaterThanOrEqual(before - 1);
    expect(report.startedAt).toBeLessThanOrEqual(Date.now());
    // The hook's own 15 ms timer may fire up to 1 ms early against performance.now().
    expect(report.duration).toBeGreaterThanOrEqual(14);
    expect(hookOf(report, 'consumer')).toMatchObject({ phase: 'stop-intake', outcome: 'ok', late: false });
    expect(hookOf(report, 'consumer').duration).toBeGreaterThanOrEqual(14);
    expect(report.phases[0]!.duration).toBeGreaterThanOrEqual(14);
  });

  it('publishes the same facts on diagnostics_channel', async () => {
    const coordinator = testCoordinator();
    const seen: string[] = [];
    const subscribers = Object.entries(CHANNELS).map(([event, name]) => {
      const onMessage = (message: unknown) => {
        const { coordinator: from } = message as { coordinator: unknown };
        if (from === coordinator) seen.push(event);
      };
      channel(name).subscribe(onMessage);
      return () => channel(name).unsubscribe(onMessage);
    });
    await coordinator.shutdown();
    for (const unsubscribe of subscribers) unsubscribe();
    expect(seen[0]).toBe('start');
    expect(seen.filter((event) => event === 'phase')).toHaveLength(PHASES.length);
    expect(seen.at(-1)).toBe('report');
  });

  it('logs a line per phase and a summary', async () => {
    const lines: string[] = [];
    const push = (line: string) => void lines.push(line);
    const coordinator = testCoordinator({ logger: { info: push, warn: push, error: push } });
    coordinator.register({ name: 'slow', phase: 'close-clients', timeout: 20, run: () => new Promise(() => {}) });
    await coordinator.shutdown({ reason: 'deploy' });

    expect(lines[0]).toBe('lastcall: shutdown started by shutdown() call (deploy) (budget 8000 ms)');
    for (const phase of PHASES) expect(lines.some((line) => line.startsWith(`lastcall: ${phase}: `))).toBe(true);
    expect(lines).toContainEqual(expect.stringMatching(/^lastcall: hook "slow" \(close-clients\) timed out after \d+ ms$/));
    expect(lines.at(-1)).toMatch(/^lastcall: shutdown failed in \d+ ms: exit code 1$/);
  });
});
