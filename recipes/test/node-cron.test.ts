import { expect, it } from 'vitest';
import { recordCounts } from './helpers/counts.js';
import { startService } from './helpers/service.js';

it('node-cron: SIGTERM during a run: it finishes, no run starts after stop-scheduler, exit 0', async () => {
  const service = startService('node-cron', {});
  await service.waitFor('lastcall: started in');
  await service.waitFor('sync 1 started', 10_000);
  const signalledAt = service.kill('SIGTERM');
  const ended = await service.ended();
  const lines = ended.output.split('\n');
  const started = lines.filter((line) => / started$/.test(line) && line.startsWith('sync '));
  const done = lines.filter((line) => / done$/.test(line) && line.startsWith('sync '));
  // Every run that started finished, the one cut by the SIGTERM included.
  expect(done.map((line) => line.replace(' done', ''))).toEqual(started.map((line) => line.replace(' started', '')));
  expect(lines.indexOf('sync 1 done')).toBeGreaterThan(lines.indexOf('lastcall: shutdown started by SIGTERM (budget 8000 ms)'));
  // Nothing started once the scheduler had stopped.
  const stopped = lines.findIndex((line) => line.startsWith('lastcall: stop-scheduler: ok'));
  expect(started.every((line) => lines.indexOf(line) < stopped)).toBe(true);
  expect(ended.output).toMatch(/lastcall: shutdown clean in \d+ ms: exit code 0/);
  expect(ended.code).toBe(0);
  recordCounts('node-cron', `${started.length} runs started, ${done.length} finished (1 in flight at SIGTERM), none after stop-scheduler, exit 0 in ${Math.round(ended.at - signalledAt)} ms`);
});
