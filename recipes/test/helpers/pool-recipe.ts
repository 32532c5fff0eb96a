import { Agent } from 'node:http';
import { describe, expect, it } from 'vitest';
import { recordCounts } from './counts.js';
import { readyOn } from './http-recipe.js';
import { send } from './load.js';
import { freePort, startService } from './service.js';

const numbers = (output: string, pattern: RegExp): number[] =>
  output
    .split('\n')
    .map((line) => pattern.exec(line)?.[1])
    .filter((id) => id !== undefined)
    .map(Number);

/**
 * Gives pool recipe `name` `jobs` jobs of `ms` each (two threads), sends SIGTERM once two have
 * finished, and checks that no job was lost: each one finished or was handed back, once, and none
 * was handed back before the drain's deadline. Returns what a user would count.
 */
async function poolUnderLoad(name: string, jobs: number, ms: number) {
  const port = await freePort();
  const service = startService(name, { PORT: String(port), HOST: '127.0.0.1' });
  await readyOn(port, service);
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  // One after the other, so the pool queues them in the order of their ids.
  for (let id = 0; id < jobs; id++) expect((await send(port, `/resize?id=${id}&ms=${ms}`, { agent, method: 'POST' })).status).toBe(202);
  agent.destroy();
  await service.waitFor(/finished \d+\n(.|\n)*finished \d+\n/);
  const signalledAt = service.kill('SIGTERM');
  const finishedBefore = numbers(service.output(), /^finished (\d+)$/);
  const ended = await service.ended();
  const finished = numbers(ended.output, /^finished (\d+)$/);
  const handedBack = numbers(ended.output, /^handed back (\d+)$/);
  // No job lost, none done twice: each one finished or handed back.
  expect([...finished, ...handedBack].sort((a, b) => a - b)).toEqual(Array.from({ length: jobs }, (_, id) => id));
  // The drain went on running jobs after the SIGTERM, and handed none back before its deadline.
  expect(finished.length).toBeGreaterThan(finishedBefore.length);
  const lines = ended.output.split('\n');
  const deadline = lines.findIndex((line) => line.startsWith('lastcall: drain deadline reached'));
  const firstHandedBack = lines.findIndex((line) => line.startsWith('handed back '));
  if (firstHandedBack !== -1) expect(firstHandedBack).toBeGreaterThan(deadline);
  expect(ended.output).toMatch(/lastcall: close-clients: ok in \d+ ms \(1 ok\)/);
  const elapsed = Math.round(ended.at - signalledAt);
  // Within the default budget of 8 s, with a little room for a loaded machine's exit.
  expect(elapsed).toBeLessThan(8_500);
  return { ended, finished, handedBack, finishedAfterSignal: finished.length - finishedBefore.length, elapsed };
}

/** The tests of pool recipe `name`: a backlog that fits the budget, and one past it. */
export function describePoolRecipe(name: string): void {
  describe.concurrent(name, () => {
    it('a backlog that fits the budget: queued jobs all finish, the pool closes, exit 0', async () => {
      const { ended, finished, handedBack, finishedAfterSignal, elapsed } = await poolUnderLoad(name, 16, 400);
      expect(handedBack).toEqual([]);
      expect(ended.output).toMatch(/lastcall: shutdown clean in \d+ ms: exit code 0/);
      expect(ended.code).toBe(0);
      recordCounts(name, `16 jobs of 400 ms: ${finished.length} finished (${finishedAfterSignal} after SIGTERM), ${handedBack.length} handed back, pool closed, exit 0 in ${elapsed} ms`);
    });

    it('a backlog past the budget: jobs go on running until the deadline, the rest are handed back through onAbandon at the deadline, the pool closes in budget, exit 1', async () => {
      const { ended, finished, handedBack, finishedAfterSignal, elapsed } = await poolUnderLoad(name, 60, 400);
      expect(handedBack.length).toBeGreaterThan(0);
      expect(ended.output).toMatch(/lastcall: shutdown failed in \d+ ms: exit code 1/);
      expect(ended.code).toBe(1);
      recordCounts(name, `60 jobs of 400 ms: ${finished.length} finished (${finishedAfterSignal} after SIGTERM), ${handedBack.length} handed back at the drain deadline, pool closed, exit 1 in ${elapsed} ms`);
    });
  });
}
