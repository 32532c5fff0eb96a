// A cluster primary with two HTTP workers: SIGTERM reaches only the primary (as in Kubernetes),
// Ctrl-C reaches the whole process group. Either way every accepted request is answered,
// every worker exits 0 once, none is respawned, and the primary exits 0 within its budget.
import { describe, expect, it } from 'vitest';
import { linesStartingWith, startFixture } from '../helpers/fixture.js';
import { portOf } from '../helpers/http.js';
import { closedLoop } from '../helpers/load.js';
import { runtime } from '../helpers/runtime.js';

/** `<code>:<signal>` of each worker's exit, as the primary printed them. */
function workerExits(stdout: string): string[] {
  return linesStartingWith(stdout, 'worker-exit:').map((line) => line.split(':').slice(1).join(':'));
}

describe.concurrent('addCluster', () => {
  it('SIGTERM to the primary under keep-alive load: workers drain and exit, nothing accepted is lost', async () => {
    const primary = startFixture('cluster.mjs');
    const port = await portOf(primary);
    const load = closedLoop(port, '/slow', 8);
    await Promise.all(Array.from({ length: 8 }, (_, c) => primary.waitFor(`got:w${c}-1\n`)));
    const sent = performance.now();
    primary.kill('SIGTERM');
    const { code, stdout, stderr, at } = await primary.ended();
    const result = await load.finish(stdout);

    expect(code, stderr).toBe(0);
    expect(at - sent).toBeLessThan(5_000);
    expect(result.acceptedButFailed).toEqual([]);
    expect(result.otherFailures).toEqual([]);
    expect(result.accepted).toBeGreaterThanOrEqual(16);
    expect(linesStartingWith(stdout, 'worker-stopping:').map((line) => line.split(':').slice(1).join(':')).sort()).toEqual([
      'call:cluster primary',
      'call:cluster primary',
    ]);
    // Two workers started, two exited with 0, and none was forked in their place.
    expect(workerExits(stdout).sort()).toEqual(['0:null', '0:null']);
    expect(linesStartingWith(stdout, 'report:')).toEqual(['{"outcome":"clean","exitCode":0}']);
  });

  it('regression: SIGTERM to the primary while a worker was still starting: the worker never got the stop message, served on, and was killed at the deadline; the primary exited 1', async () => {
    const primary = startFixture('cluster.mjs', [], { WORKER_START_DELAY: '400' });
    await primary.waitFor('online:1');
    await primary.waitFor('online:2');
    // The workers' processes are up, their coordinators not yet: the message arrives before them.
    primary.kill('SIGTERM');
    const { code, stdout, stderr } = await primary.ended();
    expect(code, stderr).toBe(0);
    expect(linesStartingWith(stdout, 'worker-stopping:')).toHaveLength(2);
    expect(workerExits(stdout).sort()).toEqual(['0:null', '0:null']);
  });

  // Deno's own cluster throws in the primary here (RoundRobinHandle.remove of a null handle; docs/runtimes.md).
  it.skipIf(runtime.name === 'deno')('regression: a worker exited while the primary was still answering its listen(): the EPIPE of that answer was uncaught in the primary, which exited 1', async () => {
    const primary = startFixture('cluster.mjs', [], { WORKER_START_DELAY: '400', PRIMARY_STALL: '600' });
    await primary.waitFor('online:1');
    await primary.waitFor('online:2');
    primary.kill('SIGTERM');
    const { code, stdout, stderr } = await primary.ended();
    expect(code, stderr).toBe(0);
    expect(stderr).not.toContain('uncaughtException');
    expect(workerExits(stdout).sort()).toEqual(['0:null', '0:null']);
  });

  it('Ctrl-C to the process group: primary and workers each get SIGINT, and no run starts twice', async () => {
    const primary = startFixture('cluster.mjs', [], {}, [], { detached: true });
    await portOf(primary);
    process.kill(-primary.child.pid!, 'SIGINT');
    const { code, stdout, stderr } = await primary.ended();

    expect(code, stderr).toBe(0);
    // Each worker's own run started once, by whichever came first: its SIGINT or the primary's message.
    const starts = linesStartingWith(stdout, 'worker-stopping:');
    expect(starts).toHaveLength(2);
    expect(new Set(starts.map((line) => line.split(':')[0])).size).toBe(2);
    expect(workerExits(stdout)).toEqual(['0:null', '0:null']);
    expect(stderr).not.toContain('received again while stopping');
  });
});
