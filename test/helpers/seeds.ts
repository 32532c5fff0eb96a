// What the randomized tests share around their cases: settings from the environment, running
// many seeds at once, and summing up the failures.

/** An integer setting from the environment, or `fallback` when unset; anything else is an error. */
export function integerFromEnv(name: string, fallback: number, min: number): number;
export function integerFromEnv(name: string, fallback: undefined, min: number): number | undefined;
export function integerFromEnv(name: string, fallback: number | undefined, min: number): number | undefined {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < min) throw new Error(`${name} must be an integer from ${min}, got ${JSON.stringify(raw)}`);
  return value;
}

/** Runs `run` for every seed, `concurrency` at once; the results in seed order. */
export async function runSeeds<R extends { readonly spec: { readonly seed: number } }>(seeds: readonly number[], concurrency: number, run: (seed: number) => Promise<R>): Promise<R[]> {
  const results: R[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < seeds.length) results.push(await run(seeds[next++]!));
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, seeds.length) }, worker));
  return results.sort((a, b) => a.spec.seed - b.spec.seed);
}

export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? NaN;
}

/**
 * The failed seeds grouped by invariant: each failure's first line, with what varies from case
 * to case (`generic` takes out names; numbers go here) left out.
 */
export function summarizeFailures(
  failed: readonly { readonly spec: { readonly seed: number }; readonly failures: readonly string[] }[],
  total: number,
  generic: (failure: string) => string,
  groups = 20,
): string {
  const bySeed = new Map<string, Set<number>>();
  for (const result of failed) {
    for (const failure of result.failures) {
      const invariant = generic(failure).replace(/-?\d+(\.\d+)?/g, 'N').split('\n')[0]!;
      bySeed.set(invariant, (bySeed.get(invariant) ?? new Set()).add(result.spec.seed));
    }
  }
  const lines = [...bySeed].sort((a, b) => b[1].size - a[1].size).slice(0, groups).map(([invariant, seeds]) => {
    const list = [...seeds].sort((a, b) => a - b);
    return `  ${list.length} seed(s): ${invariant}\n    seeds ${list.slice(0, 15).join(', ')}${list.length > 15 ? ', ...' : ''}`;
  });
  return `${failed.length} of ${total} seeds failed (first seeds: ${failed.slice(0, 20).map((r) => r.spec.seed).join(', ')}). By invariant:\n${lines.join('\n')}\n\n`;
}
