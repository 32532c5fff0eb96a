// The service lastcall was born from, with Node built-ins only: an HTTP server with a slow
// route, a scheduler whose jobs use a shared client, a message processor, and the client,
// which must close last. One ShutdownCoordinator stops them in order.
//   node examples/service/main.mjs   (then Ctrl-C, or: kill -TERM <pid>)
import { createServer } from 'node:http';
import { formatReport, ShutdownCoordinator } from 'lastcall';
import { createClient } from './client.mjs';
import { createQueue } from './queue.mjs';

const event = (line) => process.stdout.write(`${line}\n`);
const coordinator = new ShutdownCoordinator({ timeout: Number(process.env.BUDGET ?? 6_000) });
const client = createClient(event);

// HTTP: / answers at once, /slow after a 1.5 s query; /ready is the readiness probe.
const server = createServer(async (req, res) => {
  if (req.url === '/ready') return coordinator.readinessHandler(req, res);
  const row = await client.query(`request ${req.url}`, req.url === '/slow' ? 1_500 : 5);
  res.end(`${row}\n`);
});
coordinator.addServer(server);

// Scheduler: a job every 300 ms; each job body runs as a task, so a job that started just
// before the shutdown is still waited for, and the client outlives it.
let jobs = 0;
let scheduler;
const startScheduler = () => (scheduler = setInterval(() => {
  const name = `job ${++jobs}`;
  event(`event:job-started:${name}`);
  coordinator
    .run((signal) => client.query(name, 200 + ((jobs * 337) % 900), signal), {
      name,
      onAbandon: () => event(`event:job-handed-back:${name}`),
    })
    .then(() => event(`event:job-finished:${name}`), () => {});
}, 300));
coordinator.register({ name: 'scheduler', phase: 'stop-scheduler', run: () => clearInterval(scheduler) });

// Messages: the loop stops taking at the trigger; a message in flight is finished (ack) or,
// if the drain runs out, handed back (nack). Message 7 is a 30 s transcode: it is handed back.
const queue = createQueue(Array.from({ length: 40 }, (_, i) => ({ id: i + 1, ms: i + 1 === 7 ? 30_000 : 150 + ((i * 211) % 500) })));
async function consume(worker) {
  while (!coordinator.signal.aborted) {
    const message = await queue.receive(coordinator.signal);
    if (message === undefined) break;
    const name = `msg ${message.id}`;
    event(`event:message-taken:${name}`);
    await coordinator
      .run((signal) => client.query(name, message.ms, signal), {
        name,
        onAbandon: () => {
          queue.nack(message);
          event(`event:message-nacked:${name}`);
        },
      })
      .then(() => event(`event:message-acked:${name}`), () => {});
  }
  event(`event:consumer-stopped:${worker}`);
}
coordinator.register({ name: 'queue', phase: 'stop-intake', run: () => queue.close() });

coordinator.register({ name: 'client', phase: 'close-clients', run: () => client.close() });
coordinator.on('report', (report) => event(`\n${formatReport(report)}\n`));

// The start-up: /ready says "starting" until it has completed, then "ready".
await coordinator.start(async ({ signal }) => {
  await client.connect(signal);
  await new Promise((resolve) => server.listen(Number(process.env.PORT ?? 3000), '127.0.0.1', resolve));
  startScheduler();
  for (const worker of [1, 2, 3]) void consume(worker);
  event(`listening on http://127.0.0.1:${server.address().port}`);
});
