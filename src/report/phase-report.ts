import type { ActivePhase } from '../sequence/active-phase.js';
import type { Phase } from '../sequence/phases.js';
import type { PhaseReport } from './report.js';

/** The report of a phase that has run: `failed` if any hook errored, timed out or was aborted. */
export function phaseReport(active: ActivePhase): PhaseReport {
  const failed = active.results.some((hook) => hook.outcome !== 'ok' && hook.outcome !== 'released');
  return { name: active.phase, outcome: failed ? 'failed' : 'ok', duration: performance.now() - active.start, hooks: active.results };
}

/** The report of a phase a forced exit jumped over. */
export function skippedPhase(phase: Phase): PhaseReport {
  return { name: phase, outcome: 'skipped', duration: 0, hooks: [] };
}
