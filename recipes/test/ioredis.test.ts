import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { recordCounts } from './helpers/counts.js';
import { describeDrain, drainUnderLoad, expectCleanDrain } from './helpers/http-recipe.js';
import { startRedis, type LocalServer } from './helpers/servers.js';

let redis: LocalServer;
beforeAll(async () => void (redis = await startRedis()));
afterAll(() => redis?.stop());

it('ioredis: requests in flight at SIGTERM still write to Redis before quit(), exit 0', async () => {
  const drained = await drainUnderLoad('ioredis', { env: { REDIS_URL: redis.url } });
  expectCleanDrain(drained);
  const client = new Redis(redis.url);
  const visits = Number(await client.get('visits'));
  await client.quit();
  // Every answered request's write is in Redis, and no write happened without its answer.
  expect(visits).toBe(drained.load.answered);
  expect(drained.load.bodies.map((body) => (JSON.parse(body) as { visits: number }).visits).sort((a, b) => a - b)).toEqual(Array.from({ length: visits }, (_, i) => i + 1));
  recordCounts('ioredis', `${describeDrain(drained)}; ${visits} writes in Redis`);
});
