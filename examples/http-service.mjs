// A small service: an HTTP server with a slow route, a client that must close last, and a
// coordinator that stops them in order on SIGTERM or Ctrl-C. Run: npm run build && node examples/http-service.mjs
import { createServer } from 'node:http';
import { formatReport, ShutdownCoordinator } from 'lastcall';

const coordinator = new ShutdownCoordinator({ timeout: 8_000 });

// Stands in for a database pool: it must outlive every request that uses it.
const pool = {
  open: true,
  query: (ms) => new Promise((resolve) => setTimeout(() => resolve(pool.open ? 'row' : 'pool closed!'), ms)),
  end: async () => void (pool.open = false),
};

const server = createServer(async (req, res) => {
  console.log(`${req.method} ${req.url}`);
  if (req.url === '/ready') return coordinator.readinessHandler(req, res);
  const row = await pool.query(req.url === '/slow' ? 1_000 : 5);
  res.end(`${row}\n`);
});

// Drained in close-http: requests in flight finish (with Connection: close), idle sockets close.
coordinator.addServer(server);
coordinator.register({ name: 'pool', phase: 'close-clients', run: () => pool.end() });
coordinator.on('report', (report) => console.log(formatReport(report)));

// Ready (for /ready) once the server listens.
await coordinator.start(async () => {
  await new Promise((resolve) => server.listen(Number(process.env.PORT ?? 3000), '127.0.0.1', resolve));
  console.log(`listening on http://127.0.0.1:${server.address().port}`);
});
