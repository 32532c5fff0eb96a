import { atInstant } from '../sequence/deadline.js';
import type { AbandonedTaskReport } from './tasks.js';

type Outcome = Pick<AbandonedTaskReport, 'onAbandon' | 'error'>;

/** Calls a task's `onAbandon` and says how it ended, by `instant` at the latest; never rejects. */
export function callOnAbandon(onAbandon: (() => unknown) | undefined, instant: number): Promise<Outcome> {
  if (onAbandon === undefined) return Promise.resolve({ onAbandon: 'none' });
  return new Promise((resolve) => {
    const cancel = atInstant(instant, () => resolve({ onAbandon: 'timeout' }));
    const done = (outcome: Outcome): void => {
      cancel();
      resolve(outcome);
    };
    try {
      Promise.resolve(onAbandon()).then(
        () => done({ onAbandon: 'ok' }),
        (error: unknown) => done({ onAbandon: 'error', error }),
      );
    } catch (error) {
      done({ onAbandon: 'error', error });
    }
  });
}
