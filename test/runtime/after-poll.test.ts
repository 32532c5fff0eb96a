import { once } from 'node:events';
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { expect, it } from 'vitest';
import { afterPoll } from '../../src/runtime/after-poll.js';

function busyFor(ms: number): void {
  for (const end = performance.now() + ms; performance.now() < end; );
}

it('regression: on a loop busy for more than 10 ms every turn, an idle keep-alive socket was never closed (the wait for a prompt poll went on until the drain deadline)', async () => {
  // Every turn of the loop runs a 20 ms timer callback, as a loaded service's does.
  const load = setInterval(() => busyFor(20), 0);
  try {
    const called = await new Promise<boolean>((resolve) => {
      const giveUp = setTimeout(() => resolve(false), 2_000);
      afterPoll(() => {
        clearTimeout(giveUp);
        resolve(true);
      }, true);
    });
    expect(called).toBe(true);
  } finally {
    clearInterval(load);
  }
});

it('regression: asked from an I/O callback, the wait for a poll ended before the next poll, so bytes that arrived while the loop was busy were still unread', async () => {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const accepted = once(server, 'connection') as Promise<[Socket]>;
  const client = connect((server.address() as AddressInfo).port, '127.0.0.1');
  const [socket] = await accepted;
  await once(client, 'connect');
  try {
    let received = '';
    socket.setEncoding('utf8').on('data', (chunk: string) => (received += chunk));
    client.write('sent while busy');
    // The bytes reach the server's socket buffer during this; only a poll hands them to 'data'.
    busyFor(50);
    const seen = await new Promise<string>((resolve) => afterPoll(() => resolve(received), true));
    expect(seen).toBe('sent while busy');
  } finally {
    client.destroy();
    server.close();
  }
});
