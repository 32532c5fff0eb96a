// Guarantee 16 for child processes: a child is asked with its signal, killed at its deadline or
// at a forced exit, and reaped before the parent exits; a child running lastcall drains itself.
import { describe, expect, it } from 'vitest';
import { linesStartingWith, startFixture } from '../helpers/fixture.js';
import { childPidOf } from '../helpers/pids.js';

function errnoOf(fn: () => void): string | undefined {
  try {
    fn();
    return undefined;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code;
  }
}

describe.concurrent('addChild', () => {
  it('guarantee 16: a child that ignores SIGTERM is killed at its deadline, and its pid is gone before the parent exits', async (context) => {
    const parent = startFixture('children.mjs', ['ignore']);
    const pid = await childPidOf(parent, context);
    await parent.waitFor('child-ready\n');
    const sent = performance.now();
    parent.kill('SIGTERM');
    const { code, stdout, stderr, at } = await parent.ended();

    expect(code, stderr).toBe(1);
    expect(at - sent).toBeGreaterThanOrEqual(1_000);
    expect(at - sent).toBeLessThan(5_000);
    const lines = stdout.split('\n');
    expect(lines).toContain('child-got:SIGTERM');
    // The parent saw the child reaped, then exited.
    expect(lines.indexOf('child-exit:null:SIGKILL')).toBeGreaterThan(-1);
    expect(lines.indexOf('child-exit:null:SIGKILL')).toBeLessThan(lines.indexOf('parent-exit:1'));
    expect(errnoOf(() => process.kill(pid, 0))).toBe('ESRCH');
    expect(stderr).toContain(`child "stubborn" (pid ${pid}) did not exit within its deadline: SIGKILL`);
    const [report] = linesStartingWith(stdout, 'report:').map((line) => JSON.parse(line));
    expect(report).toEqual({ outcome: 'failed', exitCode: 1, children: [{ name: 'stubborn', pid, outcome: 'killed', exitCode: null, signal: 'SIGKILL' }] });
    expect(stderr).toContain(`stubborn (pid ${pid}): killed, by SIGKILL`);
  });

  it('guarantee 16: SIGINT twice, the second forcing the exit: the child is killed, and its pid is gone before the parent exits 130', async (context) => {
    const parent = startFixture('children.mjs', ['ignore-forced']);
    const pid = await childPidOf(parent, context);
    await parent.waitFor('child-ready\n');
    parent.kill('SIGINT');
    // The child has been asked (close-clients), and its deadline is 20 s away.
    await parent.waitFor('child-got:SIGTERM\n');
    const sent = performance.now();
    parent.kill('SIGINT');
    const { code, stdout, stderr, at } = await parent.ended();

    expect(code, stderr).toBe(130);
    // Milliseconds as a rule; the exit waits up to 1 s for a killed child on a starved machine.
    expect(at - sent, `${stdout}\n${stderr}`).toBeLessThan(2_000);
    const lines = stdout.split('\n');
    expect(lines.indexOf('child-exit:null:SIGKILL'), stdout).toBeGreaterThan(-1);
    expect(lines.indexOf('child-exit:null:SIGKILL'), stdout).toBeLessThan(lines.indexOf('parent-exit:130'));
    expect(errnoOf(() => process.kill(pid, 0))).toBe('ESRCH');
    expect(stderr).toContain(`child "stubborn" (pid ${pid}) did not exit before the forced exit: SIGKILL`);
  });

  it('guarantee 16: a Node child running lastcall with a tracked task drains it and exits 0 before the parent exits 0', async (context) => {
    const parent = startFixture('children.mjs', ['drain']);
    const pid = await childPidOf(parent, context);
    await parent.waitFor('child-task-started\n');
    parent.kill('SIGTERM');
    const { code, stdout, stderr } = await parent.ended();

    expect(code, stderr).toBe(0);
    const lines = stdout.split('\n');
    const order = ['child-task-done', 'child-exit:0:null', 'parent-exit:0'].map((line) => lines.indexOf(line));
    expect(order.every((index) => index > -1), stdout).toBe(true);
    expect(order).toEqual([...order].sort((a, b) => a - b));
    // Its own drain met the task in flight, and its shutdown was clean.
    expect(linesStartingWith(stdout, 'child-report:')).toEqual(['{"outcome":"clean","exitCode":0,"finished":1}']);
    const [report] = linesStartingWith(stdout, 'report:').map((line) => JSON.parse(line));
    expect(report).toEqual({ outcome: 'clean', exitCode: 0, children: [{ name: 'drainer', pid, outcome: 'exited', exitCode: 0, signal: null }] });
    expect(errnoOf(() => process.kill(pid, 0))).toBe('ESRCH');
  });
});
