import { describeError } from '../report/describe-error.js';
import type { Log } from '../report/log.js';
import type { FatalErrorReport } from '../report/report.js';

// Uncaught errors during a shutdown are logged up to this many, and recorded up to that many:
// logging one can raise another (EPIPE on a closed stdout), and that must not loop.
const LOGGED = 10;
const RECORDED = 100;

/** The uncaught errors a coordinator has seen: each logged (up to a point), and those during the run recorded. */
export class FatalErrors {
  readonly recorded: FatalErrorReport[] = [];
  readonly #log: Log;
  #count = 0;
  #last: unknown;

  constructor(log: Log) {
    this.#log = log;
  }

  /** Logs the error; returns false when it is one already seen (strict mode reports a rejection twice). */
  take(error: unknown, origin: FatalErrorReport['origin']): boolean {
    // --unhandled-rejections=strict raises a rejection as an uncaught exception, then emits it again.
    if (origin === 'unhandledRejection' && error === this.#last && error !== undefined) return false;
    this.#last = error;
    if (++this.#count <= LOGGED) this.#log.error(`${origin}: ${describeError(error)}`);
    if (this.#count === LOGGED) this.#log.error('further uncaught errors are recorded, not logged');
    return true;
  }

  /** Keeps an error that happened during the run, for the report. */
  record(error: unknown, origin: FatalErrorReport['origin']): void {
    if (this.recorded.length < RECORDED) this.recorded.push({ origin, error });
  }
}
