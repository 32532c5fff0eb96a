// The drain follows the protocol, not a guess: one test per defect of 0.1, named after it.
import { describe, expect, it } from 'vitest';
import { IDLE_GRACE } from '../../src/http/server-drain.js';
import { startFixture } from '../helpers/fixture.js';
import { get, portOf, until } from '../helpers/http.js';
import { freePort } from '../helpers/net.js';
import { rawClient } from '../helpers/raw-client.js';
import { runtime } from '../helpers/runtime.js';

describe.concurrent('drain regressions', () => {
  it('regression: a server whose listen() completed after the trigger accepted connections in the middle of the shutdown and dropped them, and the report said clean', async () => {
    const port = await freePort();
    const service = startFixture('late-listen.mjs', [], { PORT: String(port) });
    await service.waitFor('ready');
    service.kill('SIGTERM');
    await service.waitFor('listen called');
    // While the shutdown runs on (800 ms in close-clients), every connection must be refused.
    const attempts: string[] = [];
    for (let i = 0; i < 10; i++) attempts.push(await get(port, '/', { id: `late-${i}` }).then((answer) => `answered ${answer.status}`, (error: NodeJS.ErrnoException) => error.code ?? 'error'));
    const { code, stdout } = await service.ended();
    expect(attempts).toEqual(Array(10).fill('ECONNREFUSED'));
    expect(stdout).not.toContain('listening');
    expect(code).toBe(0);
  });

  it('regression: the second of two pipelined requests lost its response, the first one\'s Connection: close ending the socket', async () => {
    const server = startFixture('http-server.mjs');
    const port = await portOf(server);
    const client = rawClient(port);
    client.socket.write('GET /slow?ms=300 HTTP/1.1\r\nHost: x\r\nx-id: first\r\n\r\nGET /slow?ms=300 HTTP/1.1\r\nHost: x\r\nx-id: second\r\n\r\n');
    await server.waitFor('got:second');
    server.kill('SIGTERM');
    await client.waitFor('done:second\n');
    const responses = client.received().split(/(?=HTTP\/1\.1 )/);
    expect(responses.map((response) => [/^HTTP\/1\.1 (\d+)/.exec(response)?.[1], /\r\nconnection: (\S+)/i.exec(response)?.[1]?.toLowerCase(), response.trim().split('\n').pop()])).toEqual([
      ['200', 'keep-alive', 'done:first'],
      ['200', 'close', 'done:second'],
    ]);
    expect(await client.ended).toBe('end');
    expect((await server.ended()).code).toBe(0);
  });

  // Bun ends the socket after a response that said close, whatever came behind it (docs/runtimes.md).
  it.skipIf(runtime.name === 'bun')("regression: a request pipelined behind a response whose head had gone out with the drain's Connection: close lost its response, the socket ending after the first", async () => {
    const server = startFixture('http-server.mjs');
    const port = await portOf(server);
    const client = rawClient(port);
    client.socket.write('GET /stream?after=200&ms=300 HTTP/1.1\r\nHost: x\r\nx-id: first\r\n\r\n');
    await server.waitFor('got:first');
    server.kill('SIGTERM');
    // Its head goes out after the trigger, saying close: it is the last response known then.
    await client.waitFor('start:first\n');
    // As if sent before that head arrived: a pipelining client's next request, already on the wire.
    client.socket.write('GET / HTTP/1.1\r\nHost: x\r\nx-id: second\r\n\r\n');
    await server.waitFor('got:second');
    await client.waitFor('done:second\n');
    expect(client.received()).toMatch(/start:first\n.*done:first\n.*HTTP\/1\.1 200 OK\r\n.*done:second\n$/s);
    expect(await client.ended).toBe('end');
    expect((await server.ended()).code).toBe(0);
  });

  // Bun parses in native code and hands nothing to JavaScript before the headers are complete: a
  // connection with half its headers in looks idle to anything but Bun itself (docs/runtimes.md).
  it.skipIf(runtime.name === 'bun')('regression: a request whose headers were half in at the trigger, the rest 250 ms later, was reset as an idle connection', async () => {
    const server = startFixture('http-server.mjs', [], { BUDGET: '3000' });
    const port = await portOf(server);
    const client = rawClient(port);
    await new Promise((resolve) => client.socket.once('connect', resolve));
    client.socket.write('GET / HTTP/1.1\r\nHost: x\r\n');
    // Written before the marker's connection opens, so read by the server before it answers the marker.
    await get(port, '/', { id: 'marker' });
    server.kill('SIGTERM');
    // Refused: the listener is closed, so the drain has judged the connection.
    expect(await until(() => get(port, '/', { id: 'probe' }).then(() => 'served', (error: NodeJS.ErrnoException) => error.code ?? 'error'), (result) => result === 'ECONNREFUSED')).toBe('ECONNREFUSED');
    // The rest of the headers, well past the grace an idle connection gets: a slow client, by design.
    await new Promise((resolve) => setTimeout(resolve, IDLE_GRACE + 150));
    client.socket.write('x-id: partial\r\n\r\n');
    await client.waitFor('done:partial\n');
    expect(client.received()).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(client.received().toLowerCase()).toContain('\r\nconnection: close\r\n');
    expect((await server.ended()).code).toBe(0);
  });
});
