// Careful hand-written: what a good engineer writes in about 30 lines without a library, from
// Node's documented behaviour. From SIGTERM on every response says `Connection: close` (also
// those already in flight, if their headers are not sent), so keep-alive clients move on;
// idle sockets are closed after a short grace (a just-idle one may have its client's next
// request on the wire) and as each response finishes; in-flight tasks are awaited until 85%
// of the budget (as the shared hand-written drain), then aborted and handed back; stdout is
// flushed before the exit, which a force-exit timer caps at the budget.
import { setTimeout as sleep } from 'node:timers/promises';
import { budget, cleanup, listen, server, startWork, work } from './common.mjs';

const IDLE_GRACE = 100;
let stopping = false;
const responses = new Set();
const tasks = new Set();

// Prepended: the application's own listener may answer synchronously, headers and all.
server.prependListener('request', (req, res) => {
  if (stopping) res.setHeader('Connection', 'close');
  responses.add(res);
  res.once('close', () => {
    responses.delete(res);
    if (stopping) server.closeIdleConnections();
  });
});

process.once('SIGTERM', async () => {
  setTimeout(() => process.exit(1), budget).unref();
  stopping = true;
  for (const res of responses) if (!res.headersSent) res.setHeader('Connection', 'close');
  work.stopConsumer();
  work.stopScheduler();
  const closed = new Promise((resolve) => server.close(resolve));
  setTimeout(() => server.closeIdleConnections(), IDLE_GRACE).unref();
  const finished = Promise.all([...tasks].map((entry) => entry.done));
  await Promise.race([finished, sleep(budget * 0.85)]);
  await Promise.all([...tasks].map((entry) => (entry.controller.abort(), entry.task.nack())));
  await closed;
  await cleanup({ drain: false });
  process.stdout.write('', () => process.exit(0));
});

await listen();
startWork((task) => {
  const entry = { task, controller: new AbortController() };
  entry.done = task.execute(entry.controller.signal).catch(() => {}).finally(() => tasks.delete(entry));
  tasks.add(entry);
});
