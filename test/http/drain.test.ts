import { Agent } from 'node:http';
import { describe, expect, it } from 'vitest';
import { IDLE_GRACE } from '../../src/http/server-drain.js';
import { startFixture } from '../helpers/fixture.js';
import { get, portOf, reportOf, until } from '../helpers/http.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.concurrent('addServer: HTTP/1.1', () => {
  it('50 idle keep-alive connections do not hold the process: it ends at once, not keepAliveTimeout later', async () => {
    const server = startFixture('http-server.mjs');
    const port = await portOf(server);
    const agent = new Agent({ keepAlive: true, maxSockets: 50 });
    const answers = await Promise.all(Array.from({ length: 50 }, (_, i) => get(port, '/', { agent, id: `idle-${i}` })));
    expect(answers.every((answer) => answer.status === 200 && answer.connection === 'keep-alive')).toBe(true);
    expect(Object.values(agent.freeSockets).flat()).toHaveLength(50);
    // Idle means idle for longer than the grace a just-idle socket gets: a time condition by nature.
    await sleep(IDLE_GRACE + 50);

    const sent = performance.now();
    server.kill('SIGTERM');
    const { code, stdout, at } = await server.ended();
    agent.destroy();

    expect(code).toBe(0);
    expect(reportOf(stdout).servers).toEqual([{ name: 'http server', idleClosed: 50, finished: 0, destroyed: 0, upgraded: 0 }]);
    // Node's default keepAliveTimeout is 5 s; a drain that waited for it would take that long.
    expect(at - sent).toBeLessThan(1_000);
  });

  it('20 requests in flight at SIGTERM all get 200 with Connection: close, and the process ends right after the last', async () => {
    const server = startFixture('http-server.mjs');
    const port = await portOf(server);
    const agent = new Agent({ keepAlive: true, maxSockets: 20 });
    const answers = Array.from({ length: 20 }, (_, i) => get(port, '/slow?ms=1500', { agent, id: `slow-${i}` }));
    await server.waitFor('got:slow-19');
    server.kill('SIGTERM');
    const done = await Promise.all(answers);
    const { code, stdout, at } = await server.ended();
    agent.destroy();

    expect(code).toBe(0);
    expect(done.map((answer) => [answer.status, answer.connection, answer.body])).toEqual(
      done.map((_, i) => [200, 'close', `done:slow-${i}\n`]),
    );
    const last = Math.max(...done.map((answer) => answer.at));
    expect(at - last).toBeLessThan(500);
    expect(reportOf(stdout).servers[0]).toMatchObject({ finished: 20, idleClosed: 0, destroyed: 0 });
  });

  it('refuses connections once the listener is closed', async () => {
    const server = startFixture('http-server.mjs', [], { READINESS_DELAY: '0' });
    const port = await portOf(server);
    const inFlight = get(port, '/slow?ms=800', { id: 'holder' });
    await server.waitFor('got:holder');
    server.kill('SIGTERM');
    // The slow request keeps the process in close-http; a new connection must soon be refused.
    await expect(until(() => get(port, '/', { id: 'late' }).then(() => 'served', (error: NodeJS.ErrnoException) => error.code ?? 'error'), (result) => result === 'ECONNREFUSED')).resolves.toBe('ECONNREFUSED');
    expect((await inFlight).status).toBe(200);
    expect((await server.ended()).code).toBe(0);
  });
});

describe.concurrent('readiness', () => {
  it('answers 200 before the trigger, then 503 during readinessDelay while requests are still served', async () => {
    const server = startFixture('http-server.mjs', [], { READINESS_DELAY: '600' });
    const port = await portOf(server);
    expect(await get(port, '/ready')).toMatchObject({ status: 200, body: 'ready\n' });

    server.kill('SIGTERM');
    await until(() => get(port, '/ready'), (answer) => answer.status === 503);
    const ready = await get(port, '/ready');
    const served = await get(port, '/', { id: 'during-delay' });
    const { code, stderr } = await server.ended();

    expect(ready).toMatchObject({ status: 503, connection: 'close', body: 'stopping\n' });
    expect(served).toMatchObject({ status: 200, connection: 'close', body: 'done:during-delay\n' });
    expect(stderr).toContain('readiness is 503: serving for 600 ms more before stopping intake');
    expect(code).toBe(0);
  });
});
