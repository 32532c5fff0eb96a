// Guarantee 16 for worker threads: signals never reach a thread, so the main thread's
// addWorker() asks the coordinator inside it to stop, and terminates a thread that does not.
import { describe, expect, it } from 'vitest';
import { linesStartingWith, startFixture } from '../helpers/fixture.js';

describe.concurrent('addWorker', () => {
  it('guarantee 16: SIGTERM with two workers each running a 1 s task: both tasks finish, both workers exit 0, the main exits 0 within its budget, the report lists both', async () => {
    const main = startFixture('workers.mjs', ['tasks']);
    await main.waitFor('ready\n');
    const sent = performance.now();
    main.kill('SIGTERM');
    const { code, stdout, stderr, at } = await main.ended();

    expect(code, stderr).toBe(0);
    expect(at - sent).toBeLessThan(5_000);
    // Each thread's own drain met its task in flight and waited for it.
    expect(linesStartingWith(stdout, 'task-done:').sort()).toEqual(['w0', 'w1']);
    expect(linesStartingWith(stdout, 'worker-report:').sort()).toEqual(['w0:{"outcome":"clean","finished":1}', 'w1:{"outcome":"clean","finished":1}']);
    expect(linesStartingWith(stdout, 'worker-exit:').sort()).toEqual(['w0:0', 'w1:0']);
    const [report] = linesStartingWith(stdout, 'report:').map((line) => JSON.parse(line));
    expect(report).toMatchObject({ outcome: 'clean', exitCode: 0 });
    expect(report.workers.map(({ name, outcome, exitCode, shutdown }: Record<string, unknown>) => ({ name, outcome, exitCode, shutdown: (shutdown as { outcome: string }).outcome }))).toEqual([
      { name: 'w0', outcome: 'exited', exitCode: 0, shutdown: 'clean' },
      { name: 'w1', outcome: 'exited', exitCode: 0, shutdown: 'clean' },
    ]);
    // The threads' reports reached the main thread's log.
    expect(stderr).toMatch(/worker "w0" \(thread \d+\) exited with code 0; its own shutdown: clean in \d+ ms/);
    expect(stderr).toMatch(/worker "w1" \(thread \d+\) exited with code 0; its own shutdown: clean in \d+ ms/);
  });

  it('guarantee 16: a worker that ignores the request is terminated at its deadline, before the main exits 1 naming it', async () => {
    const main = startFixture('workers.mjs', ['ignore']);
    await main.waitFor('ready\n');
    const sent = performance.now();
    main.kill('SIGTERM');
    const { code, stdout, stderr, at } = await main.ended();

    expect(code, stderr).toBe(1);
    // Its timeout is 1 s, the main's budget 5 s.
    expect(at - sent).toBeGreaterThanOrEqual(1_000);
    expect(at - sent).toBeLessThan(5_000);
    const lines = stdout.split('\n');
    expect(lines.indexOf('worker-exit:stubborn:1')).toBeGreaterThan(-1);
    expect(lines.indexOf('worker-exit:stubborn:1')).toBeLessThan(lines.indexOf('main-exit:1'));
    expect(stderr).toMatch(/worker "stubborn" \(thread \d+\) did not exit within its deadline: terminated \(no coordinator in the thread answered the request\)/);
    const [report] = linesStartingWith(stdout, 'report:').map((line) => JSON.parse(line));
    expect(report).toMatchObject({ outcome: 'failed', exitCode: 1, workers: [{ name: 'stubborn', outcome: 'terminated', exitCode: 1 }] });
    expect(stderr).toMatch(/stubborn \(thread \d+\): terminated, exit code 1/);
  });
});
