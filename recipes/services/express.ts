import { once } from 'node:events';
import { createServer } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import express from 'express';
import { ShutdownCoordinator } from 'lastcall';

// How long load balancers take to stop sending here after the SIGTERM (docs/deployment.md); 0 with nothing in front.
const coordinator = new ShutdownCoordinator({ readinessDelay: Number(process.env.READINESS_DELAY_MS ?? 0) });

const app = express();
app.get('/ready', (req, res) => coordinator.readinessHandler(req, res));
app.get('/orders', async (req, res) => {
  await sleep(300); // the work a request does
  res.json({ orders: [] });
});

// A server of your own, added before it listens, so lastcall follows it from the first connection.
const server = createServer(app);
coordinator.addServer(server);

await coordinator.start(async () => {
  server.listen(Number(process.env.PORT ?? 3000), process.env.HOST);
  await once(server, 'listening'); // rejects on EADDRINUSE: the start-up fails and the process exits 1
});
