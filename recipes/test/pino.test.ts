import { expect, it } from 'vitest';
import { recordCounts } from './helpers/counts.js';
import { describeDrain, drainUnderLoad, expectCleanDrain } from './helpers/http-recipe.js';

it('pino: buffered asynchronous logger, stdout a pipe: every line of every request and lastcall\'s own lines arrive, as JSON, exit 0', async () => {
  const drained = await drainUnderLoad('pino', { clients: 16, path: '/work' });
  expect(drained.load.failures).toEqual([]);
  expect(drained.load.inFlightAtSignal).toBeGreaterThan(0);
  expect(drained.ended.code).toBe(0);
  const lines = drained.ended.output.trimEnd().split('\n');
  const records = lines.map((line) => JSON.parse(line) as { msg: string; step?: number; level: number });
  expect(records.filter((record) => record.msg === 'step')).toHaveLength(drained.load.answered * 100);
  expect(records.filter((record) => record.msg === 'answered')).toHaveLength(drained.load.answered);
  expect(records.find((record) => record.msg.startsWith('lastcall: started in'))).toBeDefined();
  // lastcall's last line is the last line written: nothing after it was cut, and it came through pino.
  expect(records.at(-1)!.msg).toMatch(/^lastcall: shutdown clean in \d+ ms: exit code 0$/);
  expectCleanDrain({ ...drained, ended: { ...drained.ended, output: records.map((record) => record.msg).join('\n') } });
  recordCounts('pino', `${describeDrain(drained)}; ${records.length} JSON lines through a pipe, none lost`);
});
