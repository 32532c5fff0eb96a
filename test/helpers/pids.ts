import { readFileSync } from 'node:fs';
import type { TestContext } from 'vitest';
import { linesStartingWith, type Fixture } from './fixture.js';

/**
 * Linux's view of a pid's command line: empty once the pid is free (or without /proc), and while
 * it is a zombie waiting to be reaped.
 */
export function commandOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return '';
  }
}

/** Whether `pid` is still a running test/fixtures/child-process.mjs, not a process that reused the number. */
export function isFixtureChild(pid: number): boolean {
  return commandOf(pid).includes('child-process.mjs');
}

/**
 * The pid of the child a fixture says it started (`child-pid:<pid>`); a child still running when
 * the test ends is killed. The test's own onTestFinished: in concurrent tests the global one may
 * attach to another.
 */
export async function childPidOf(parent: Fixture, { onTestFinished }: TestContext): Promise<number> {
  await parent.waitFor('child-pid:');
  const pid = Number(linesStartingWith(parent.stdout(), 'child-pid:')[0]);
  onTestFinished(() => {
    if (isFixtureChild(pid)) process.kill(pid, 'SIGKILL');
  });
  return pid;
}
