import { once } from 'node:events';
import { createServer } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { ShutdownCoordinator } from 'lastcall';

const coordinator = new ShutdownCoordinator();
const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');

const server = createServer(async (req, res) => {
  if (req.url === '/ready') return coordinator.readinessHandler(req, res);
  try {
    await sleep(300); // the work a request does, before it writes to Redis
    res.end(JSON.stringify({ visits: await redis.incr('visits') }));
  } catch (error) {
    // Caught here: a rejected request handler would be an unhandled rejection, and so a shutdown.
    console.error(error);
    res.statusCode = 500;
    res.end();
  }
});
coordinator.addServer(server);
// quit(), not disconnect(): it waits for the replies to the commands already sent, then closes.
coordinator.register({ name: 'redis', phase: 'close-clients', run: () => redis.quit() });

await coordinator.start(async () => {
  await redis.ping(); // Redis out of reach fails the start-up (at start()'s timeout at the latest), and the process exits 1
  server.listen(Number(process.env.PORT ?? 3000), process.env.HOST);
  await once(server, 'listening');
});
