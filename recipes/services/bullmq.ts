import { setTimeout as sleep } from 'node:timers/promises';
import { Queue, WaitingError, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { ShutdownCoordinator } from 'lastcall';

const coordinator = new ShutdownCoordinator();
// A Worker's connection needs maxRetriesPerRequest: null, or BullMQ refuses it.
const connection = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { maxRetriesPerRequest: null });
const receipts = new Queue('receipts', { connection });

const sendEmail = (data: { ms: number }, signal?: AbortSignal) => sleep(data.ms, undefined, { signal }); // the work a job does

const worker = new Worker(
  'emails',
  async (job, token, signal) => {
    try {
      await sendEmail(job.data, signal);
    } catch (error) {
      if (!signal?.aborted) throw error;
      // Abandoned at the drain's deadline: back to the queue at once, for the next worker, without using an attempt.
      await job.moveToWait(token);
      throw new WaitingError();
    }
    await receipts.add('receipt', { email: job.id });
  },
  { connection, concurrency: 4 },
);

coordinator.register({
  name: 'bullmq worker',
  phase: 'stop-intake',
  run: () => {
    // close() stops taking jobs at once and resolves when the active ones are done: tracked, the drain
    // waits for it beside everything else instead of holding up the phases after stop-intake.
    const closing = worker.close();
    coordinator.track(closing, {
      name: 'bullmq active jobs',
      // A job still running at the deadline would keep its lock, come back only after the stalled
      // check, and fail for good once it has stalled maxStalledCount times: abort it instead.
      onAbandon: async () => {
        worker.cancelAllJobs('shutting down');
        await closing;
      },
    });
  },
});
// BullMQ closes neither a connection it was given nor a Queue: close the producer, then the connection.
coordinator.register({
  name: 'redis',
  phase: 'close-clients',
  run: async () => {
    await receipts.close();
    await connection.quit();
  },
});

await coordinator.start(() => worker.waitUntilReady());
