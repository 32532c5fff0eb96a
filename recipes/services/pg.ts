import { once } from 'node:events';
import { createServer } from 'node:http';
import { Pool } from 'pg';
import { ShutdownCoordinator } from 'lastcall';

const coordinator = new ShutdownCoordinator();
const pool = new Pool({ connectionString: process.env.DATABASE_URL });

async function placeOrder(): Promise<number> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const { rows } = await client.query<{ id: number }>('INSERT INTO orders DEFAULT VALUES RETURNING id');
    await client.query('SELECT pg_sleep(1)'); // a slow transaction: it commits before the pool ends
    await client.query('COMMIT');
    return rows[0]!.id;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}

const server = createServer(async (req, res) => {
  if (req.url === '/ready') return coordinator.readinessHandler(req, res);
  try {
    res.end(JSON.stringify({ id: await placeOrder() }));
  } catch (error) {
    // Caught here: a rejected request handler would be an unhandled rejection, and so a shutdown.
    console.error(error);
    res.statusCode = 500;
    res.end();
  }
});
coordinator.addServer(server);

await coordinator.start(async () => {
  await pool.query('SELECT 1'); // an unreachable database fails the start-up, and the process exits 1
  // Closed after close-http and the drain: no request or task still holds a client by then.
  coordinator.register({ name: 'postgres pool', phase: 'close-clients', run: () => pool.end() });
  server.listen(Number(process.env.PORT ?? 3000), process.env.HOST);
  await once(server, 'listening');
});
