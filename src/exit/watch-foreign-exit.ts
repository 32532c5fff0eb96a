import type { Log } from '../report/log.js';
import { currentCaller } from '../sequence/caller.js';
import type { PhaseRunner } from '../sequence/phase-runner.js';
import { onProcessEvent } from '../triggers/process-listeners.js';
import { exitingOurselves } from './exit-process.js';

/** The run as an exit would see it. */
interface RunView {
  readonly owner: object;
  /** True until the report is made. */
  readonly running: () => boolean;
  readonly runner: () => PhaseRunner | undefined;
  readonly inFlight: () => number;
}

/**
 * From the trigger on: if something else ends the process while the shutdown runs (a hook or a
 * library calling `process.exit()`), says what it cut short and who called. The line is written
 * synchronously: nothing asynchronous runs after 'exit'.
 */
export function watchForeignExit(log: Log, run: RunView): () => void {
  return onProcessEvent('exit', (code: number) => {
    if (exitingOurselves() || !run.running()) return;
    const by = currentCaller(run.owner)?.describe();
    const where = run.runner()?.describeRunning() ?? 'the readiness delay was running';
    const what = `${by === undefined ? '' : `it came from ${by}; `}${where}; ${run.inFlight()} task(s) in flight`;
    const caller = exitCaller(new Error().stack ?? '');
    const how = caller === undefined ? `the process ended (code ${code})` : `process.exit(${code}) was called ${caller}`;
    log.error(`${how} before the shutdown finished: ${what}`);
  });
}

// The frame right after process.exit's own is whoever called it: the runtime's own frame says
// `node:` (Node, Deno), or `unknown` (Bun).
function exitCaller(stack: string): string | undefined {
  const frames = stack.split('\n').map((line) => line.trim());
  const exit = frames.findIndex((frame) => /^at (process\.)?(exit|reallyExit) \((node:|unknown|native)/.test(frame));
  const caller = exit === -1 ? undefined : frames[exit + 1];
  return caller === undefined ? undefined : caller.replace(/^at /, 'at ');
}
