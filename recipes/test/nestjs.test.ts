import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { recordCounts } from './helpers/counts.js';
import { describeDrain, drainUnderLoad, expectCleanDrain } from './helpers/http-recipe.js';
import { startPostgres, type LocalServer } from './helpers/servers.js';

let postgres: LocalServer;
beforeAll(async () => {
  postgres = await startPostgres();
  const client = new pg.Client({ connectionString: postgres.url });
  await client.connect();
  await client.query('CREATE TABLE orders (id serial PRIMARY KEY, confirmed boolean NOT NULL DEFAULT false)');
  await client.query('CREATE TABLE events (name text NOT NULL)');
  await client.end();
});
afterAll(() => postgres?.stop());

it('nestjs: requests and tracked work finish, onApplicationShutdown queries before pool.end(), readiness through @Res(), exit 0', async () => {
  const drained = await drainUnderLoad('nestjs', { method: 'POST', readinessDelay: 1_000, env: { DATABASE_URL: postgres.url } });
  expectCleanDrain(drained);
  const ids = drained.load.bodies.map((body) => (JSON.parse(body) as { id: number }).id);
  const client = new pg.Client({ connectionString: postgres.url });
  await client.connect();
  const orders = await client.query<{ id: number; confirmed: boolean }>('SELECT id, confirmed FROM orders ORDER BY id');
  const events = await client.query<{ name: string }>('SELECT name FROM events');
  await client.end();
  expect(orders.rows.map((row) => row.id)).toEqual([...ids].sort((a, b) => a - b));
  // Each order's confirmation ran as a tracked task: the drain waited for every one.
  expect(orders.rows.filter((row) => !row.confirmed)).toEqual([]);
  // The provider's shutdown query reached the database: the pool was still open for it.
  expect(events.rows).toEqual([{ name: 'orders stopped' }]);
  expect(drained.ended.output).not.toMatch(/Cannot use a pool after calling end/);
  recordCounts('nestjs', `${describeDrain(drained)}; ${orders.rows.length} orders committed and confirmed, shutdown query written`);
});
