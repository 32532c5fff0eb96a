// Several coordinators in one process (an application's and a library's): one exit, after
// every coordinator's run.
import { describe, expect, it } from 'vitest';
import { linesStartingWith, startFixture } from '../helpers/fixture.js';

describe.concurrent('two coordinators in one process', () => {
  it('regression: on SIGTERM, the first to finish called process.exit(0) and cut the other\'s hooks', async () => {
    const service = startFixture('two-coordinators.mjs');
    await service.waitFor('ready');
    service.kill('SIGTERM');
    const { code, stdout } = await service.ended();
    expect(linesStartingWith(stdout, 'done:').sort()).toEqual(['app pool', 'library pool']);
    expect(linesStartingWith(stdout, 'report:').sort()).toEqual(['app:signal:0', 'library:signal:0']);
    expect(linesStartingWith(stdout, 'exit:')).toEqual(['0']);
    expect(code).toBe(0);
  });

  it('one ended from code: the other, never triggered, still runs before the one exit', async () => {
    const service = startFixture('two-coordinators.mjs', [], { TRIGGER: 'call' });
    const { code, stdout, stderr } = await service.ended();
    expect(linesStartingWith(stdout, 'done:').sort()).toEqual(['app pool', 'library pool']);
    expect(linesStartingWith(stdout, 'report:').sort()).toEqual(['app:call:0', 'library:call:0']);
    expect(stderr).toContain('library lastcall: shutdown started by shutdown() call (another coordinator is ending the process)');
    expect(code).toBe(0);
  });
});
