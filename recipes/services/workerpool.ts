import { once } from 'node:events';
import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';
import workerpool from 'workerpool';
import { ShutdownCoordinator } from 'lastcall';

const coordinator = new ShutdownCoordinator();
const pool = workerpool.pool(fileURLToPath(new URL('./workerpool-worker.js', import.meta.url)), { maxWorkers: 2 });

const server = createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://localhost');
  if (url.pathname === '/ready') return coordinator.readinessHandler(req, res);
  const id = Number(url.searchParams.get('id'));
  // Each job is a task: the drain waits for it, queued or running. At the drain's deadline its signal
  // aborts: cancel() drops it from the queue (or ends its worker), and onAbandon hands it back.
  coordinator
    .run(
      (signal) => {
        const job = pool.exec('resize', [{ id, ms: Number(url.searchParams.get('ms')) }]);
        // Braces: cancel() returns the cancelled promise, and a listener that returns a rejected
        // promise is reported by Node as an uncaught exception.
        signal.addEventListener('abort', () => {
          job.cancel();
        });
        return job;
      },
      {
        name: `resize ${id}`,
        onAbandon: () => console.log(`handed back ${id}`), // stands in for a nack to the queue it came from
      },
    )
    .then(() => console.log(`finished ${id}`))
    .catch(() => {}); // an abandoned job's CancellationError: it is handed back above
  res.statusCode = 202;
  res.end();
});
coordinator.addServer(server);
// After the drain: nothing runs any more, and terminate() ends the workers.
coordinator.register({ name: 'workerpool', phase: 'close-clients', run: () => pool.terminate() });

await coordinator.start(async () => {
  server.listen(Number(process.env.PORT ?? 3000), process.env.HOST);
  await once(server, 'listening');
});
