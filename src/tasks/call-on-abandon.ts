import type { AbandonedTaskReport } from './tasks.js';

export type AbandonOutcomeReport = Pick<AbandonedTaskReport, 'onAbandon' | 'error'>;

const NONE: AbandonOutcomeReport = Object.freeze({ onAbandon: 'none' });
const OK: AbandonOutcomeReport = Object.freeze({ onAbandon: 'ok' });

/**
 * Calls a task's `onAbandon` and says how it ended: at once when it returns synchronously (most
 * nacks do, and 100,000 of them must not cost 100,000 promises), else as a promise that settles
 * by `deadline` at the latest, one deadline shared by every task; never rejects.
 */
export function callOnAbandon(onAbandon: (() => unknown) | undefined, deadline: Promise<AbandonOutcomeReport>): AbandonOutcomeReport | Promise<AbandonOutcomeReport> {
  if (onAbandon === undefined) return NONE;
  let result: unknown;
  try {
    result = onAbandon();
  } catch (error) {
    return { onAbandon: 'error', error };
  }
  if (typeof (result as { then?: unknown } | null)?.then !== 'function') return OK;
  const handedBack = Promise.resolve(result).then(
    () => OK,
    (error: unknown): AbandonOutcomeReport => ({ onAbandon: 'error', error }),
  );
  return Promise.race([handedBack, deadline]);
}
