import type { ShutdownOutcome } from '../report/report.js';

/** A worker thread's own shutdown, as its coordinator told the parent. */
export interface ThreadShutdownReport {
  readonly outcome: ShutdownOutcome;
  /** The code the thread's coordinator ended it with. */
  readonly exitCode: number;
  /** Milliseconds from the thread's trigger to its report. */
  readonly duration: number;
}

/**
 * What a parent and the coordinator in its worker thread say to each other:
 * - `ready` (thread): a coordinator listens here now; a parent that has asked already asks again.
 * - `shutdown` (parent): the thread's trigger.
 * - `stopping` (thread): the answer to `shutdown`, for a parent that came after `ready`.
 * - `report` (thread): how its shutdown went, just before the thread ends.
 */
export type ThreadMessage = { readonly lastcall: 'ready' | 'shutdown' | 'stopping' } | { readonly lastcall: 'report'; readonly report: ThreadShutdownReport };

const KINDS: ReadonlySet<unknown> = new Set(['ready', 'shutdown', 'stopping', 'report']);

// A BroadcastChannel per thread, not the worker's own port: the application's 'message' handlers
// on either side never see these messages, and a job queue never takes one for a job.
export function channelName(threadId: number): string {
  return `lastcall:thread:${threadId}`;
}

export function isThreadMessage(value: unknown): value is ThreadMessage {
  return KINDS.has((value as { lastcall?: unknown } | null)?.lastcall);
}
