import { appendFileSync } from 'node:fs';
import { inject } from 'vitest';

/** Records what a recipe's test saw, printed with the others at the end of the run. */
export function recordCounts(recipe: string, counts: string): void {
  appendFileSync(inject('countsFile'), `${recipe}: ${counts}\n`);
}
