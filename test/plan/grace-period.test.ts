// Guarantee 15: a budget the platform's grace period cannot hold is named at construction.
import { describe, expect, it } from 'vitest';
import { checkGracePeriod } from '../../src/plan/check-grace-period.js';
import { warnIfSignalsAreNotForwarded } from '../../src/plan/package-manager.js';
import { detectPlatform } from '../../src/plan/platform.js';
import { createLog } from '../../src/report/log.js';
import { testCoordinator } from '../helpers/coordinator.js';

function captured(): { lines: string[]; logger: { info(line: string): void; warn(line: string): void; error(line: string): void } } {
  const lines: string[] = [];
  const at = (level: string) => (line: string) => void lines.push(`${level} ${line}`);
  return { lines, logger: { info: at('info'), warn: at('warn'), error: at('error') } };
}

describe('options.gracePeriod', () => {
  it('gracePeriod 5000 with timeout 8000: one warning, naming both and where each came from', () => {
    const { lines, logger } = captured();
    testCoordinator({ gracePeriod: 5_000, timeout: 8_000, readinessDelay: 1_000, logger });
    expect(lines).toEqual([
      'warn lastcall: the shutdown may be killed before it ends: timeout 8000 ms (the default) + readinessDelay 1000 ms does not fit in a grace period of 5000 ms (options.gracePeriod) with a margin of 500 ms; lower timeout, or raise the grace period',
    ]);
  });

  it('a budget that fits says so once, at info level', () => {
    const { lines, logger } = captured();
    testCoordinator({ gracePeriod: 30_000, timeout: 20_000, logger });
    expect(lines).toEqual(['info lastcall: grace period 30000 ms (options.gracePeriod); the shutdown needs at most 20000 ms']);
  });

  it('rejects a grace period that is not a duration', () => {
    expect(() => testCoordinator({ gracePeriod: 'PT30S' as never })).toThrow(/options.gracePeriod must be a number of milliseconds/);
  });
});

describe('platforms recognised from inside the process', () => {
  const cases: [env: NodeJS.ProcessEnv, name: string, grace: number, assumed: boolean][] = [
    [{ pm_id: '0' }, "PM2's default kill_timeout", 1_600, true],
    [{ pm_id: '3', kill_timeout: '3000' }, "PM2's kill_timeout", 3_000, false],
    [{ KUBERNETES_SERVICE_HOST: '10.0.0.1', K_SERVICE: 'knative' }, "Kubernetes' default terminationGracePeriodSeconds", 30_000, true],
    [{ K_SERVICE: 'api' }, "Cloud Run's shutdown time", 10_000, true],
    [{ ECS_CONTAINER_METADATA_URI_V4: 'http://169.254.170.2/v4/x' }, "ECS's default stopTimeout", 30_000, true],
    [{ INVOCATION_ID: 'abc' }, "systemd's default TimeoutStopSec", 90_000, true],
  ];
  for (const [env, name, gracePeriod, assumed] of cases) {
    it(`${JSON.stringify(env)}: ${name}, ${gracePeriod} ms`, () => {
      expect(detectPlatform(env)).toEqual({ name, gracePeriod, assumed });
    });
  }

  it("PM2's default kill_timeout cuts the default budget: the warning says it is an assumption", () => {
    const { lines, logger } = captured();
    checkGracePeriod(createLog(logger), { timeout: 8_000, readinessDelay: 0, gracePeriod: undefined, platform: detectPlatform({ pm_id: '0' }) });
    expect(lines).toEqual([
      "warn lastcall: the shutdown may be killed before it ends: timeout 8000 ms (the default) does not fit in a grace period of 1600 ms (PM2's default kill_timeout, assumed: set options.gracePeriod if yours differs) with a margin of 500 ms; lower timeout, or raise the grace period",
    ]);
  });
});

describe('package managers that do not pass SIGTERM on', () => {
  it('yarn 1 is named; pnpm and yarn 4, which pass it on, are not; nor is a process no manager started', () => {
    const { lines, logger } = captured();
    const log = createLog(logger);
    warnIfSignalsAreNotForwarded(log, { npm_config_user_agent: 'yarn/1.22.22 npm/? node/v20.20.2 linux x64', npm_lifecycle_event: 'start' });
    warnIfSignalsAreNotForwarded(log, { npm_config_user_agent: 'pnpm/12.21.0 npm/? node/v20.20.2 linux x64', npm_lifecycle_event: 'start' });
    warnIfSignalsAreNotForwarded(log, { npm_config_user_agent: 'yarn/4.18.1 npm/? node/v20.20.2 linux x64', npm_lifecycle_event: 'start' });
    warnIfSignalsAreNotForwarded(log, {});
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^warn lastcall: started by yarn\/1\.22\.22 \(start\), which does not pass SIGTERM on to node/);
  });
});
