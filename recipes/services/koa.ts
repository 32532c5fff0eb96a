import { once } from 'node:events';
import { createServer } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import Koa from 'koa';
import { ShutdownCoordinator } from 'lastcall';

const coordinator = new ShutdownCoordinator({ readinessDelay: Number(process.env.READINESS_DELAY_MS ?? 0) });

const app = new Koa();
app.use(async (ctx, next) => {
  if (ctx.path !== '/ready') return next();
  ctx.respond = false; // Koa leaves the response to us: readinessHandler writes Node's own req and res
  coordinator.readinessHandler(ctx.req, ctx.res);
});
app.use(async (ctx) => {
  if (ctx.path !== '/orders') return;
  await sleep(300); // the work a request does
  ctx.body = { orders: [] };
});

// A server of your own, added before it listens, so lastcall follows it from the first connection.
const server = createServer(app.callback());
coordinator.addServer(server);

await coordinator.start(async () => {
  server.listen(Number(process.env.PORT ?? 3000), process.env.HOST);
  await once(server, 'listening'); // rejects on EADDRINUSE: the start-up fails and the process exits 1
});
