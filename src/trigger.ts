import { describeError } from './errors.js';

/** What started a shutdown. Hooks receive it as `reason`; the report keeps it as `trigger`. */
export type ShutdownTrigger =
  | { readonly type: 'signal'; readonly signal: NodeJS.Signals }
  | { readonly type: 'error'; readonly origin: 'uncaughtException' | 'unhandledRejection'; readonly error: unknown }
  | { readonly type: 'call'; readonly reason: string | undefined };

/** A few words for the log: `SIGTERM`, `uncaughtException`, `shutdown() call (invalid config)`. */
export function describeTrigger(trigger: ShutdownTrigger): string {
  switch (trigger.type) {
    case 'signal':
      return trigger.signal;
    case 'error':
      return `${trigger.origin}: ${firstLine(describeError(trigger.error))}`;
    case 'call':
      return trigger.reason === undefined ? 'shutdown() call' : `shutdown() call (${trigger.reason})`;
  }
}

function firstLine(text: string): string {
  const end = text.indexOf('\n');
  return end === -1 ? text : text.slice(0, end);
}
