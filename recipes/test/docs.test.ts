import { readdirSync, readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
// @ts-expect-error: a plain .mjs script, without types
import { pagePath, render } from '../scripts/docs.mjs';

const rendered = (render as () => string)();

it('docs/recipes.md is exactly what `npm run docs` renders from page.md and services/', () => {
  const committed = readFileSync(pagePath as string, 'utf8');
  // One failure that says what to do, rather than a diff of the whole page.
  if (committed !== rendered) expect.fail('docs/recipes.md differs from recipes/page.md and recipes/services/: run `npm run docs` in recipes/ and commit the page');
});

it('every code block on the page says its language, and every service file is on it', () => {
  const opening = [...rendered.matchAll(/^```(\w*)$/gm)].map((match) => match[1]).filter((_, i) => i % 2 === 0);
  expect(opening.length).toBeGreaterThan(0);
  expect(opening.filter((language) => language !== 'ts' && language !== 'js')).toEqual([]);
  const shown = [...rendered.matchAll(/^`recipes\/services\/([\w.-]+\.c?[jt]s)`:$/gm)].map((match) => match[1]).sort();
  expect(shown).toEqual(readdirSync(new URL('../services/', import.meta.url)).sort());
});
