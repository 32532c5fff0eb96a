// The import scenario: what loading lastcall and constructing a coordinator cost, each variant
// measured in fresh processes (micro/import.mjs), interleaved so a slow moment hits them all.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const childPath = fileURLToPath(new URL('../micro/import.mjs', import.meta.url));
const VARIANTS = ['http', 'lastcall', 'http+lastcall', 'file'];

function once(variant) {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [childPath], { env: { ...process.env, BENCH_IMPORT: variant }, timeout: 30_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`micro/import.mjs (${variant}) failed: ${error.message}\n${stderr}`));
      else resolve(JSON.parse(stdout.trim().split('\n').at(-1)).steps);
    });
  });
}

/**
 * `runs` fresh processes per variant: { http: [steps, ...], lastcall: [...], 'http+lastcall': [...],
 * 'http+node:tls': [...], ... }, one `http+node:<name>` variant per public built-in that
 * lastcall's import loads beyond node:http (found by one process first, not counted).
 */
export async function importCost(runs, log) {
  const probe = await once('http+lastcall');
  const extra = builtins([probe.import]).filter((name) => !name.startsWith('_'));
  const variants = [...VARIANTS, ...extra.map((name) => `http+node:${name}`)];
  const results = Object.fromEntries(variants.map((variant) => [variant, []]));
  for (let run = 0; run < runs; run++) {
    for (const variant of run % 2 === 0 ? variants : [...variants].reverse()) results[variant].push(await once(variant));
  }
  log(`  import: ${runs} processes for each of ${variants.length} variants done`);
  return results;
}

/** The built-in modules (`NativeModule` entries, internal ones left out) a step made Node load. */
export function builtins(steps) {
  const names = new Set();
  for (const step of steps) {
    for (const entry of step.loaded) {
      const name = entry.startsWith('NativeModule ') ? entry.slice('NativeModule '.length) : undefined;
      if (name !== undefined && !name.startsWith('internal/')) names.add(name);
    }
  }
  return [...names];
}
