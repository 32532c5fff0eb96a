import { request } from 'node:http';
import { describe, expect, it } from 'vitest';
import { startFixture } from './helpers/fixture.js';
import { until } from './helpers/http.js';

function get(port: number, path: string): Promise<{ status: number; connection: string | undefined; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode!, connection: res.headers.connection, body }));
    });
    req.on('error', reject).end();
  });
}

describe.concurrent('examples', () => {
  it('http-service answers a request in flight at SIGTERM, closes the pool after it, and exits 0', async () => {
    const service = startFixture('../../examples/http-service.mjs', [], { PORT: '0' });
    await service.waitFor('listening on');
    const port = Number(/:(\d+)/.exec(service.stdout())![1]);
    const inFlight = get(port, '/slow');
    await service.waitFor('GET /slow');
    service.kill('SIGTERM');
    const response = await inFlight;
    const { code, stdout } = await service.ended();

    expect(response).toEqual({ status: 200, connection: 'close', body: 'row\n' });
    expect(code).toBe(0);
    expect(stdout).toMatch(/close-http\s+ok/);
  });

  it('bad-startup exits 78 after closing its pool', async () => {
    const service = startFixture('../../examples/bad-startup.mjs', [], { DATABASE_URL: '' });
    const { code, stdout, stderr } = await service.ended();
    expect(code).toBe(78);
    expect(stdout).toContain('pool closed');
    expect(stdout + stderr).toContain('DATABASE_URL is not set');
  });
});

describe.concurrent('more examples', () => {
  it('uncaught-error exits 1 after logging the error and closing the pool', async () => {
    const { code, stdout, stderr } = await startFixture('../../examples/uncaught-error.mjs').ended();
    expect(code).toBe(1);
    expect(stderr).toMatch(/uncaughtException: SyntaxError/);
    expect(stdout).toContain('pool closed');
  });

  it('kubernetes answers /ready with 503 during its readiness delay and still serves; a second SIGTERM ends it (143)', async () => {
    const service = startFixture('../../examples/kubernetes.mjs', [], { PORT: '0' });
    await service.waitFor('listening on');
    const port = Number(/listening on (\d+)/.exec(service.stdout())![1]);
    expect((await get(port, '/ready')).status).toBe(200);
    service.kill('SIGTERM');
    const during = await until(() => get(port, '/ready'), (answer) => answer.status === 503);
    expect(during.status).toBe(503);
    expect((await get(port, '/')).body).toBe('hello\n');
    service.kill('SIGTERM'); // a second signal ends the delay at once: the test need not wait 5 s
    const { code } = await service.ended();
    expect(code).toBe(143);
  });
});
