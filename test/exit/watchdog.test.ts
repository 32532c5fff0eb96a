// The watchdog: the one way out of a hook that blocks the event loop.
import { describe, expect, it } from 'vitest';
import { startFixture } from '../helpers/fixture.js';
import { childPidOf, isFixtureChild } from '../helpers/pids.js';

/** Whether the fixture's child is still running, looked at every 20 ms for `within` ms at most. */
async function stillRunningAfter(pid: number, within: number): Promise<boolean> {
  const until = performance.now() + within;
  while (isFixtureChild(pid)) {
    if (performance.now() > until) return true;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return false;
}

describe.concurrent('watchdog', () => {
  it('ends a process whose event loop a hook blocks for good, soon after the budget', async () => {
    const service = startFixture('watchdog.mjs', ['watchdog']);
    await service.waitFor('ready');
    const sent = performance.now();
    service.kill('SIGTERM');
    const { code, signal, stderr, at } = await service.ended();

    expect(code).toBeNull();
    expect(signal).toBe('SIGKILL');
    expect(stderr).toContain('the event loop was still blocked 100 ms after the budget of 500 ms: watchdog kills the process (SIGKILL)');
    expect(at - sent).toBeGreaterThanOrEqual(600);
    expect(at - sent).toBeLessThan(600 + 1_000);
  });

  it('guarantee 16: a child given to addChild() is killed by the watchdog before the process, not left running', async (context) => {
    const service = startFixture('watchdog.mjs', ['child']);
    const pid = await childPidOf(service, context);
    await service.waitFor('ready');
    await service.waitFor('child-ready');
    service.kill('SIGTERM');
    const { signal, stderr, stdout } = await service.ended();

    expect(signal).toBe('SIGKILL');
    expect(stdout).toContain('child-got:SIGTERM');
    expect(stderr).toContain(`watchdog kills child process "stubborn" (pid ${pid}), then the process (SIGKILL)`);
    expect(await stillRunningAfter(pid, 5_000)).toBe(false);
  });

  it('without it, nothing can end such a process: it is still running well after the budget', async () => {
    const service = startFixture('watchdog.mjs');
    await service.waitFor('ready');
    service.kill('SIGTERM');
    // The harness kills it (SIGKILL, by pid) once this wait gives up.
    await expect(service.ended(2_000)).rejects.toThrow(/still running after 2000 ms/);
  });

  it('regression: with the largest timeout the options take, the watchdog killed the process about 30 ms after SIGTERM, its own timer overflowing', async () => {
    const service = startFixture('watchdog.mjs', ['largest']);
    await service.waitFor('ready');
    service.kill('SIGTERM');
    const { code, signal, stdout } = await service.ended();
    expect({ code, signal }).toEqual({ code: 0, signal: null });
    expect(stdout).toContain('report:clean');
  });
});
