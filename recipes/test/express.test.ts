import { expect, it } from 'vitest';
import { recordCounts } from './helpers/counts.js';
import { describeDrain, drainUnderLoad, expectCleanDrain } from './helpers/http-recipe.js';

it('express: SIGTERM under keep-alive load answers every request, readiness says stopping, exit 0', async () => {
  const drained = await drainUnderLoad('express', { readinessDelay: 1_000 });
  expectCleanDrain(drained);
  expect(drained.load.bodies.every((body) => body === '{"orders":[]}')).toBe(true);
  recordCounts('express', describeDrain(drained));
});
