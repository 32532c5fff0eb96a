import type { Log } from '../report/log.js';
import { onProcessEvent } from '../triggers/process-listeners.js';
import { exitingOurselves } from './exit-process.js';

/**
 * From the trigger on: if something else ends the process while the shutdown runs (a hook or a
 * library calling `process.exit()`), says what it cut short and who called. `cutShort` describes
 * the run, or returns undefined once it is over. The line is written synchronously: nothing
 * asynchronous runs after 'exit'.
 */
export function watchForeignExit(log: Log, cutShort: () => string | undefined): () => void {
  return onProcessEvent('exit', (code: number) => {
    if (exitingOurselves()) return;
    const what = cutShort();
    if (what === undefined) return;
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
