import { once } from 'node:events';
import { createServer } from 'node:http';
import { ShutdownCoordinator } from 'lastcall';

// Under PM2, lastcall reads kill_timeout from the environment PM2 gives the app (when it is set),
// and warns at construction when the budget does not fit in it.
const coordinator = new ShutdownCoordinator({ timeout: 8_000 });

const server = createServer((req, res) => {
  if (req.url === '/ready') return coordinator.readinessHandler(req, res);
  console.log(`${req.method} ${req.url}`);
  setTimeout(() => res.end('done\n'), 1_000); // the work a request does
});
coordinator.addServer(server);

// With wait_ready, PM2 hears "ready" when this completes, and keeps the old instance until then.
await coordinator.start(async () => {
  server.listen(Number(process.env.PORT ?? 3000), '127.0.0.1');
  await once(server, 'listening');
});
