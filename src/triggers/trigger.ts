import { describeError } from '../report/describe-error.js';

/** What started a shutdown: the hooks' `trigger`, and the report's. */
export type ShutdownTrigger =
  | { readonly type: 'signal'; readonly signal: NodeJS.Signals }
  | { readonly type: 'error'; readonly origin: 'uncaughtException' | 'unhandledRejection'; readonly error: unknown }
  | { readonly type: 'call'; readonly reason: string | undefined }
  /** `start()`'s function threw, rejected or timed out (a `LastcallError` `LASTCALL_ERR_START_TIMEOUT`). */
  | { readonly type: 'start-up'; readonly error: unknown };

/** A few words for the log: `SIGTERM`, `uncaughtException: Error: boom`, `shutdown() call (invalid config)`, `a failed start-up: …`. */
export function describeTrigger(trigger: ShutdownTrigger): string {
  switch (trigger.type) {
    case 'signal':
      return trigger.signal;
    case 'error':
      return `${trigger.origin}: ${firstLine(describeError(trigger.error))}`;
    case 'call':
      return trigger.reason === undefined ? 'shutdown() call' : `shutdown() call (${trigger.reason})`;
    case 'start-up':
      return `a failed start-up: ${firstLine(describeError(trigger.error))}`;
  }
}

function firstLine(text: string): string {
  const end = text.indexOf('\n');
  return end === -1 ? text : text.slice(0, end);
}
