import { once } from 'node:events';
import { createServer } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import pino from 'pino';
import { ShutdownCoordinator } from 'lastcall';

// Asynchronous, buffered writes to stdout: fast, and lost at the exit unless flushed.
const logger = pino(pino.destination({ sync: false, minLength: 4096 }));
// lastcall logs through it and calls logger.flush() before the exit, within the budget.
const coordinator = new ShutdownCoordinator({ logger });

const server = createServer(async (req, res) => {
  if (req.url === '/ready') return coordinator.readinessHandler(req, res);
  const log = logger.child({ request: req.headers['x-request-id'] ?? null });
  for (let step = 0; step < 100; step++) log.info({ step }, 'step'); // a chatty request
  await sleep(300);
  log.info('answered');
  res.end('ok');
});
coordinator.addServer(server);

await coordinator.start(async () => {
  server.listen(Number(process.env.PORT ?? 3000), process.env.HOST);
  await once(server, 'listening');
});
