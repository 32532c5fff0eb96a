import { existsSync } from 'node:fs';
import { describe, it } from 'vitest';

/**
 * `describe`, for tests that need a server installed from Debian's packages (nginx, haproxy,
 * postgresql, redis-server). A missing one fails the suite with what to install: it never skips
 * silently. LASTCALL_SKIP_SERVERS=1 skips them, visibly, on a machine that cannot install them;
 * CI (.ci/run) installs them and never sets it.
 */
export function describeWithServer(binary: string, aptPackage: string, name: string, body: () => void): void {
  if (existsSync(binary)) return void describe(name, body);
  if (process.env.LASTCALL_SKIP_SERVERS === '1') return void describe.skip(`${name} (skipped: ${binary} is not installed)`, body);
  describe(name, () => {
    it(`needs ${binary}`, () => {
      throw new Error(`${binary} is not installed: apt-get install ${aptPackage} (bash .ci/run does), or set LASTCALL_SKIP_SERVERS=1 to skip these tests`);
    });
  });
}
