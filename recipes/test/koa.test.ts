import { expect, it } from 'vitest';
import { recordCounts } from './helpers/counts.js';
import { describeDrain, drainUnderLoad, expectCleanDrain } from './helpers/http-recipe.js';

it('koa: SIGTERM under keep-alive load answers every request, readiness through ctx.req and ctx.res, exit 0', async () => {
  const drained = await drainUnderLoad('koa', { readinessDelay: 1_000 });
  expectCleanDrain(drained);
  expect(drained.load.bodies.every((body) => body === '{"orders":[]}')).toBe(true);
  // Koa answering /ready itself after readinessHandler would log "headers already sent" errors.
  expect(drained.ended.output).not.toMatch(/ERR_HTTP_HEADERS_SENT|headers already sent/i);
  recordCounts('koa', describeDrain(drained));
});
