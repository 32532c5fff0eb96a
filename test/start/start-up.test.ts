// Guarantees 13 and 14: readiness tells the truth, and a start-up is bounded, its failure a
// shutdown like any other. Real processes, real HTTP, real signals.
import { request } from 'node:http';
import { describe, expect, it } from 'vitest';
import { startFixture } from '../helpers/fixture.js';

function get(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode!, body }));
    })
      .on('error', reject)
      .end();
  });
}

const errorLines = (stderr: string): string[] => stderr.split('\n').filter((line) => line.startsWith('ERROR '));

describe.concurrent('guarantee 13: readiness tells the truth', () => {
  it('/ready answers 503 starting while the start-up runs, 200 ready once it resolved, 503 stopping from SIGTERM on', async () => {
    const service = startFixture('start-up.mjs', [], { MODE: 'gated', READINESS_DELAY: '1000' });
    await service.waitFor('listening:');
    const port = Number(/listening:(\d+)/.exec(service.stdout())![1]);

    expect(await get(port, '/ready')).toEqual({ status: 503, body: 'starting\n' });
    service.child.stdin.write('go\n');
    await service.waitFor('started');
    expect(await get(port, '/ready')).toEqual({ status: 200, body: 'ready\n' });
    service.kill('SIGTERM');
    const stopping = await (async () => {
      // The readiness delay keeps it serving for a second: the first answer after the signal says so.
      for (let i = 0; i < 50; i++) {
        const answer = await get(port, '/ready');
        if (answer.status !== 200) return answer;
      }
      return undefined;
    })();
    expect(stopping).toEqual({ status: 503, body: 'stopping\n' });
    const { code } = await service.ended();
    expect(code).toBe(0);
  });
});

describe.concurrent('guarantee 14: a start-up is bounded, and its failure is a shutdown like any other', () => {
  it('a start-up that throws: the hooks of what it opened run, its error is logged with its stack, exit 1', async () => {
    const { code, stdout, stderr } = await startFixture('start-up.mjs', [], { MODE: 'throws' }).ended();
    expect(code).toBe(1);
    expect(stdout).toContain('hook:pool');
    expect(stdout).not.toContain('started');
    expect(stderr).toMatch(/ERROR lastcall: start-up failed: Error: database refused the connection\n\s+at .*start-up\.mjs/);
    expect(stderr).toContain('shutdown started by a failed start-up: Error: database refused the connection');
  });

  it('a start-up that hangs past its timeout: its signal aborts, the log says so, exit 1 within the timeout plus the budget', async () => {
    const service = startFixture('start-up.mjs', [], { MODE: 'hangs', START_TIMEOUT: '500', BUDGET: '2000' });
    const began = performance.now();
    const { code, stdout, stderr, at } = await service.ended();
    expect(code).toBe(1);
    expect(stdout).toContain('signal:TimeoutError');
    expect(stdout).toContain('hook:pool');
    expect(stderr).toContain('start-up failed: LastcallError: lastcall: the start-up did not finish within 500 ms');
    // Counted from the spawn, so node's own start is in it too: generous, but it fails on a hang.
    expect(at - began).toBeLessThan(500 + 2_000 + 1_500);
  });

  it('SIGTERM during the start-up: its signal aborts, the hooks registered so far run, exit 0, no line at error level', async () => {
    const service = startFixture('start-up.mjs', [], { MODE: 'waits' });
    await service.waitFor('starting');
    service.kill('SIGTERM');
    const { code, stdout, stderr } = await service.ended();
    expect(code).toBe(0);
    expect(stdout).toContain('signal:AbortError');
    expect(stdout).toContain('hook:pool');
    expect(stdout).not.toContain('started');
    expect(errorLines(stderr)).toEqual([]);
  });
});
