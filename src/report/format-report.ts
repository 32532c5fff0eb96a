import { describeTrigger } from '../triggers/trigger.js';
import { ms } from './ms.js';
import type { ChildReport } from '../workers/child-stop.js';
import type { WorkerReport } from '../workers/worker-stop.js';
import type { ShutdownReport } from './report.js';

/** The report as a timing tree, one line per phase and hook, then the servers, workers, children and abandoned tasks. */
export function formatReport(report: ShutdownReport): string {
  const rows: [label: string, outcome: string, duration: string][] = [];
  report.phases.forEach((phase, p) => {
    const lastPhase = p === report.phases.length - 1;
    rows.push([`${lastPhase ? '└─' : '├─'} ${phase.name}`, phase.outcome, ms(phase.duration)]);
    phase.hooks.forEach((hook, h) => {
      const branch = `${lastPhase ? '   ' : '│  '}${h === phase.hooks.length - 1 ? '└─' : '├─'} `;
      rows.push([`${branch}${hook.name}${hook.late ? ' (late)' : ''}`, hook.outcome, ms(hook.duration)]);
    });
  });
  const labelWidth = Math.max(...rows.map(([label]) => label.length));
  const outcomeWidth = Math.max(...rows.map(([, outcome]) => outcome.length));
  const durationWidth = Math.max(...rows.map(([, , duration]) => duration.length));
  const head = `shutdown by ${describeTrigger(report.trigger)}: ${report.outcome}, exit code ${report.exitCode}, ${ms(report.duration)}`;
  const lines = rows.map(
    ([label, outcome, duration]) => `${label.padEnd(labelWidth)}  ${outcome.padEnd(outcomeWidth)}  ${duration.padStart(durationWidth)}`,
  );
  const servers = report.servers.map(
    (server) =>
      `${server.name}: ${server.finished} finished, ${server.idleClosed} closed idle, ${server.destroyed} destroyed, ${server.upgraded} upgraded`,
  );
  // The age counts from when the task was tracked, often before the trigger: say so, or it
  // reads as longer than the shutdown itself.
  const abandoned = report.tasks.abandoned.map(
    (task) => `abandoned: ${task.name}, running for ${ms(task.age)} (onAbandon: ${task.onAbandon})`,
  );
  const workers = report.workers.map((worker) => `${worker.name} (thread ${worker.threadId}): ${describeWorkerEnd(worker)}`);
  const children = report.children.map((child) => `${child.name} (pid ${child.pid}): ${describeChildEnd(child)}`);
  return [head, ...lines, ...servers, ...workers, ...children, ...abandoned].join('\n');
}

function describeWorkerEnd({ outcome, exitCode, shutdown }: WorkerReport): string {
  const own = shutdown === undefined ? '' : ` (its own shutdown: ${shutdown.outcome} in ${ms(shutdown.duration)})`;
  if (outcome === 'running') return 'still running';
  return `${outcome}, ${exitCode === null ? 'not ended yet' : `exit code ${exitCode}`}${own}`;
}

function describeChildEnd({ outcome, exitCode, signal }: ChildReport): string {
  if (outcome === 'running') return 'still running';
  if (exitCode === null && signal === null) return `${outcome}, not ended yet`;
  return `${outcome}, ${signal === null ? `exit code ${exitCode}` : `by ${signal}`}`;
}
