import { once } from 'node:events';
import { createServer } from 'node:http';
import { Piscina } from 'piscina';
import { ShutdownCoordinator } from 'lastcall';

const coordinator = new ShutdownCoordinator();
const pool = new Piscina({ filename: new URL('./piscina-worker.js', import.meta.url).href, maxThreads: 2 });

const server = createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://localhost');
  if (url.pathname === '/ready') return coordinator.readinessHandler(req, res);
  const id = Number(url.searchParams.get('id'));
  // Each job is a task: the drain waits for it, queued or running. At the drain's deadline its signal
  // aborts: piscina drops it from the queue (or ends its thread), and onAbandon hands it back.
  coordinator
    .run((signal) => pool.run({ id, ms: Number(url.searchParams.get('ms')) }, { signal }), {
      name: `resize ${id}`,
      onAbandon: () => console.log(`handed back ${id}`), // stands in for a nack to the queue it came from
    })
    .then(() => console.log(`finished ${id}`))
    .catch(() => {}); // an abandoned job's AbortError: it is handed back above
  res.statusCode = 202;
  res.end();
});
coordinator.addServer(server);
// After the drain: nothing runs any more, and close() ends the threads.
coordinator.register({ name: 'piscina', phase: 'close-clients', run: () => pool.close() });

await coordinator.start(async () => {
  server.listen(Number(process.env.PORT ?? 3000), process.env.HOST);
  await once(server, 'listening');
});
