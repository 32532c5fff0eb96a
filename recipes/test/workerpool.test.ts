import { describe, expect, it } from 'vitest';
import { recordCounts } from './helpers/counts.js';
import { poolUnderLoad } from './helpers/pool-recipe.js';

describe.concurrent('workerpool', () => {
  it('a backlog that fits the budget: queued jobs all finish, the pool closes, exit 0', async () => {
    const { ended, finished, handedBack, finishedAfterSignal, elapsed } = await poolUnderLoad('workerpool', 16, 400);
    expect(handedBack).toEqual([]);
    expect(ended.output).toMatch(/lastcall: shutdown clean in \d+ ms: exit code 0/);
    expect(ended.code).toBe(0);
    recordCounts('workerpool', `16 jobs of 400 ms: ${finished.length} finished (${finishedAfterSignal} after SIGTERM), ${handedBack.length} handed back, pool closed, exit 0 in ${elapsed} ms`);
  });

  it('a backlog past the budget: jobs go on running until the deadline, the rest are handed back through onAbandon at the deadline, the pool closes in budget, exit 1', async () => {
    const { ended, finished, handedBack, finishedAfterSignal, elapsed } = await poolUnderLoad('workerpool', 60, 400);
    expect(handedBack.length).toBeGreaterThan(0);
    expect(ended.output).toMatch(/lastcall: shutdown failed in \d+ ms: exit code 1/);
    expect(ended.code).toBe(1);
    recordCounts('workerpool', `60 jobs of 400 ms: ${finished.length} finished (${finishedAfterSignal} after SIGTERM), ${handedBack.length} handed back at the drain deadline, pool closed, exit 1 in ${elapsed} ms`);
  });
});
