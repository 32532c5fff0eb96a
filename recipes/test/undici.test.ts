import { once } from 'node:events';
import { createServer } from 'node:http';
import { expect, it } from 'vitest';
import { recordCounts } from './helpers/counts.js';
import { startService } from './helpers/service.js';

it('undici: charges in flight at SIGTERM complete (none aborted), the agent closes after the drain, exit 0', async () => {
  const received: number[] = [];
  const completed: number[] = [];
  const aborted: number[] = [];
  const payments = createServer((req, res) => {
    if (req.url === '/health') return void res.end('ok');
    let body = '';
    req.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      const { id } = JSON.parse(body) as { id: number };
      received.push(id);
      res.on('close', () => (res.writableFinished ? completed : aborted).push(id));
      setTimeout(() => ((res.statusCode = 201), res.end()), 500); // a charge takes half a second
    });
  });
  payments.listen(0, '127.0.0.1');
  await once(payments, 'listening');
  const { port } = payments.address() as { port: number };
  try {
    const service = startService('undici', { PAYMENTS_URL: `http://127.0.0.1:${port}` });
    await service.waitFor('charge 4: 201');
    const signalledAt = service.kill('SIGTERM');
    const inFlight = received.length - completed.length;
    const ended = await service.ended();
    const logged = ended.output.split('\n').filter((line) => /^charge \d+: 201$/.test(line));
    expect(aborted).toEqual([]);
    expect(completed.sort((a, b) => a - b)).toEqual(received.sort((a, b) => a - b));
    expect(logged).toHaveLength(received.length);
    expect(inFlight).toBeGreaterThan(0);
    expect(ended.output).toMatch(/lastcall: close-clients: ok in \d+ ms \(1 ok\)/);
    expect(ended.output).toMatch(/lastcall: shutdown clean in \d+ ms: exit code 0/);
    expect(ended.code).toBe(0);
    recordCounts('undici', `${received.length} charges sent, ${completed.length} completed (about ${inFlight} in flight at SIGTERM), ${aborted.length} aborted, exit 0 in ${Math.round(ended.at - signalledAt)} ms`);
  } finally {
    payments.close();
    payments.closeAllConnections();
  }
});
