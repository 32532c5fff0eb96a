import { describeError } from './describe-error.js';
import type { Log } from './log.js';
import { ms } from './ms.js';
import type { HookReport, PhaseReport } from './report.js';

/** One line per phase, at the level its outcome deserves; it says what the report's tree says. */
export function logPhase(log: Log, report: PhaseReport): void {
  if (report.outcome === 'skipped') return log.warn(`${report.name}: skipped`);
  const problems = report.hooks.filter((hook) => hook.outcome !== 'ok').map((hook) => `${hook.name}: ${hook.outcome}`);
  const detail = report.hooks.length === 0 ? 'no hooks' : problems.length === 0 ? `${report.hooks.length} ok` : problems.join(', ');
  const say = report.outcome === 'ok' ? log.info : log.warn;
  say(`${report.name}: ${report.outcome} in ${ms(report.duration)} (${detail})`);
}

/** A line for a hook that did not simply finish. */
export function logHookEnd(log: Log, report: HookReport): void {
  const where = `hook "${report.name}" (${report.phase})`;
  if (report.outcome === 'error') log.error(`${where} failed: ${describeError(report.error)}`);
  else if (report.outcome === 'timeout') log.warn(`${where} timed out after ${ms(report.duration)}`);
  else if (report.outcome === 'released') log.info(`${where} called shutdown(): no longer waited for`);
}
