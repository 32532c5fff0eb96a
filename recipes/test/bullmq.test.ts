import { Queue, QueueEvents } from 'bullmq';
import { describe, expect, it } from 'vitest';
import { recordCounts } from './helpers/counts.js';
import { startRedis } from './helpers/servers.js';
import { startService } from './helpers/service.js';

/** Resolves once `events` has emitted `event` `count` times. */
function emitted(events: QueueEvents, event: 'completed' | 'active', count: number): Promise<void> {
  return new Promise((resolve) => {
    let seen = 0;
    const on = (): void => void (++seen >= count && (events.off(event, on), resolve()));
    events.on(event, on);
  });
}

describe.concurrent('bullmq', () => {
  it('SIGTERM while jobs run: the active ones finish, the rest stay queued, receipts go out through the closed producer, exit 0', async () => {
    const redis = await startRedis();
    const connection = { url: redis.url };
    const emails = new Queue('emails', { connection });
    const receipts = new Queue('receipts', { connection });
    const events = new QueueEvents('emails', { connection });
    try {
      await events.waitUntilReady();
      await emails.addBulk(Array.from({ length: 40 }, (_, i) => ({ name: 'email', data: { ms: 300 }, opts: { jobId: `e${i}` } })));
      const service = startService('bullmq', { REDIS_URL: redis.url });
      await emitted(events, 'completed', 6);
      const signalledAt = Date.now();
      service.kill('SIGTERM');
      const ended = await service.ended();
      expect(ended.output).toMatch(/lastcall: shutdown clean in \d+ ms: exit code 0/);
      expect(ended.code).toBe(0);
      const counts = await emails.getJobCounts('completed', 'wait', 'active', 'failed', 'delayed', 'prioritized');
      const completed = await emails.getCompleted(0, -1);
      const finishedAfterSignal = completed.filter((job) => job.finishedOn! > signalledAt).length;
      // No job lost: each one either done or still waiting for the next worker.
      expect(counts).toMatchObject({ active: 0, failed: 0, delayed: 0 });
      expect(counts.completed! + counts.wait! + counts.prioritized!).toBe(40);
      expect(finishedAfterSignal).toBeGreaterThan(0);
      // Every finished job added its receipt before the producer closed.
      expect(await receipts.count()).toBe(counts.completed);
      recordCounts(
        'bullmq',
        `${counts.completed} of 40 jobs completed (${finishedAfterSignal} finished after SIGTERM), ${counts.wait! + counts.prioritized!} left waiting, 0 failed, ${counts.completed} receipts queued, exit 0`,
      );
    } finally {
      await Promise.all([emails.close(), receipts.close(), events.close()]);
      await redis.stop();
    }
  });

  it('a job that outlives the budget is aborted at the deadline and back in the queue with no attempt used; exit 1 within the budget', async () => {
    const redis = await startRedis();
    const connection = { url: redis.url };
    const emails = new Queue('emails', { connection });
    const events = new QueueEvents('emails', { connection });
    try {
      await events.waitUntilReady();
      await emails.add('email', { ms: 60_000 }, { jobId: 'long' });
      const service = startService('bullmq', { REDIS_URL: redis.url });
      await emitted(events, 'active', 1);
      const signalledAt = service.kill('SIGTERM');
      const ended = await service.ended();
      const ms = Math.round(ended.at - signalledAt);
      expect(ended.code).toBe(1);
      expect(ms).toBeLessThan(8_000 + 1_000);
      expect(ended.output).toMatch(/task "bullmq active jobs" abandoned, running for \d+ ms \(onAbandon: ok\)/);
      expect(ended.output).toMatch(/lastcall: shutdown failed in \d+ ms: exit code 1/);
      const job = (await emails.getJob('long'))!;
      expect(await job.getState()).toBe('waiting');
      expect(job.attemptsMade).toBe(0);
      recordCounts('bullmq', `a 60 s job at SIGTERM: aborted at the drain deadline, back in "waiting" with ${job.attemptsMade} attempts used, exit 1 in ${ms} ms`);
    } finally {
      await Promise.all([emails.close(), events.close()]);
      await redis.stop();
    }
  });
});
