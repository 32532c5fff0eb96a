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
  await client.query('CREATE TABLE orders (id serial PRIMARY KEY)');
  await client.end();
});
afterAll(() => postgres?.stop());

it('pg: transactions in flight at SIGTERM (pg_sleep(1)) commit and are answered before pool.end(), exit 0', async () => {
  const drained = await drainUnderLoad('pg', { clients: 6, env: { DATABASE_URL: postgres.url } });
  expectCleanDrain(drained);
  const ids = drained.load.bodies.map((body) => (JSON.parse(body) as { id: number }).id);
  const client = new pg.Client({ connectionString: postgres.url });
  await client.connect();
  const { rows } = await client.query<{ id: number }>('SELECT id FROM orders ORDER BY id');
  await client.end();
  // Every answered order is committed, and no order was committed without its answer.
  expect(rows.map((row) => row.id)).toEqual([...ids].sort((a, b) => a - b));
  expect(drained.ended.output).toMatch(/lastcall: close-clients: ok in \d+ ms \(1 ok\)/);
  recordCounts('pg', `${describeDrain(drained)}; ${rows.length} orders committed`);
});
