import { once } from 'node:events';
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { recordCounts } from './helpers/counts.js';
import { freePort, startService } from './helpers/service.js';

describe.concurrent('start-up', () => {
  it('pg with its database out of reach: the start-up fails, the service never listens, exit 1 with the error in the log', async () => {
    const nothing = await freePort();
    const port = await freePort();
    const service = startService('pg', { PORT: String(port), HOST: '127.0.0.1', DATABASE_URL: `postgres://postgres@127.0.0.1:${nothing}/postgres` });
    const ended = await service.ended();
    expect(ended.code).toBe(1);
    expect(ended.output).toContain(`lastcall: start-up failed: Error: connect ECONNREFUSED 127.0.0.1:${nothing}`);
    expect(ended.output).not.toMatch(/lastcall: started in \d+ ms: ready/);
    recordCounts('start-up', 'pg, database out of reach: start-up failed with ECONNREFUSED, never ready, exit 1');
  });

  it('express on a port already taken: EADDRINUSE fails the start-up instead of calling it ready, exit 1', async () => {
    const taken = createServer().listen(0, '127.0.0.1');
    await once(taken, 'listening');
    try {
      const { port } = taken.address() as { port: number };
      const service = startService('express', { PORT: String(port), HOST: '127.0.0.1' });
      const ended = await service.ended();
      expect(ended.code).toBe(1);
      expect(ended.output).toContain(`lastcall: start-up failed: Error: listen EADDRINUSE: address already in use 127.0.0.1:${port}`);
      expect(ended.output).not.toMatch(/lastcall: started in \d+ ms: ready/);
      recordCounts('start-up', 'express, port taken: start-up failed with EADDRINUSE, never ready, exit 1');
    } finally {
      taken.close();
    }
  });
});
