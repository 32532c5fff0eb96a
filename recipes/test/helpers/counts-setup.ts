import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    countsFile: string;
  }
}

/** Collects the line each recipe's test records, and prints them together at the end of the run. */
export default function setup(project: TestProject): () => void {
  const dir = mkdtempSync(join(tmpdir(), 'lastcall-recipes-counts-'));
  const file = join(dir, 'counts.txt');
  project.provide('countsFile', file);
  return () => {
    const lines = existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n').sort() : [];
    process.stdout.write(`\nrecipe counts (${lines.length}):\n${lines.map((line) => `  ${line}`).join('\n')}\n`);
    rmSync(dir, { recursive: true, force: true });
  };
}
