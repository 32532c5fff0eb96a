// Guarantee 15: the plan is checked before it is needed. Other listeners that can end the
// process mid-drain are named; a process.exit() during the shutdown says what it cut short.
import { describe, expect, it } from 'vitest';
import { startFixture } from '../helpers/fixture.js';

describe.concurrent('other listeners and foreign exits', () => {
  it('names another library\'s SIGTERM and uncaughtException listeners at start(), and a new one at the trigger, once each', async () => {
    const service = startFixture('competing.mjs');
    await service.waitFor('ready');
    service.kill('SIGTERM');
    const { stderr } = await service.ended();
    const warnings = stderr.split('\n').filter((line) => line.includes('other listeners compete with the shutdown'));
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toMatch(/^WARN lastcall: at start\(\), other listeners .*: otherLibrary on SIGTERM; an anonymous function \(\(\) => \{\}\) on uncaughtException$/);
    expect(warnings[1]).toMatch(/^WARN lastcall: at the trigger, other listeners .*: addedAfterStart on SIGTERM$/);
  });

  it('a hook that calls process.exit(0): the log names process.exit, its caller, the hook, the phase cut short and the tasks in flight', async () => {
    const service = startFixture('competing.mjs', [], { EXIT_IN_HOOK: '1' });
    await service.waitFor('ready');
    service.kill('SIGTERM');
    const { code, stderr } = await service.ended();
    expect(code).toBe(0);
    const line = stderr.split('\n').find((each) => each.includes('before the shutdown finished'));
    expect(line).toMatch(/^ERROR lastcall: process\.exit\(0\) was called at .*competing\.mjs:\d+:\d+\)? before the shutdown finished: it came from hook "pool" \(close-clients\); close-clients was running, with metrics, pool still at work; 0 task\(s\) in flight$/);
  });
});
