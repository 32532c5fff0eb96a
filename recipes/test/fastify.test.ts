import { expect, it } from 'vitest';
import { recordCounts } from './helpers/counts.js';
import { describeDrain, drainUnderLoad, expectCleanDrain } from './helpers/http-recipe.js';

it('fastify: readiness through reply.raw, every request answered, onClose hooks run after the drain, exit 0', async () => {
  const drained = await drainUnderLoad('fastify', { readinessDelay: 1_000 });
  expectCleanDrain(drained);
  expect(drained.load.bodies.every((body) => body === '{"orders":[]}')).toBe(true);
  const lines = drained.ended.output.split('\n');
  const closeHttp = lines.findIndex((line) => line.startsWith('lastcall: close-http: ok'));
  const onClose = lines.indexOf('fastify: onClose hooks ran');
  expect(closeHttp).toBeGreaterThan(-1);
  expect(onClose).toBeGreaterThan(closeHttp);
  expect(drained.ended.output).toMatch(/lastcall: close-clients: ok in \d+ ms \(1 ok\)/);
  recordCounts('fastify', describeDrain(drained));
});
