import { readFileSync } from 'node:fs';

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
