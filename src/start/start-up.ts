import { startOptions } from '../options/call-options.js';
import { LastcallError } from '../options/errors.js';
import { callback } from '../options/validate.js';
import { describeError } from '../report/describe-error.js';
import type { Readiness } from '../http/readiness.js';
import type { Log } from '../report/log.js';
import { tellPm2Ready } from '../triggers/pm2.js';
import { runStartUp, type StartUpContext } from './run-start-up.js';

/** What the start-up needs from its coordinator. */
interface Wiring {
  readonly log: Log;
  readonly exit: boolean;
  /** Aborts at the trigger. */
  readonly stopping: AbortSignal;
  /** Starts the shutdown for a start-up that failed. */
  readonly fail: (error: unknown) => void;
}

/** The service's start-up: whether it has completed, and `start()` itself. */
export class StartUp {
  readonly #wiring: Wiring;
  #state: 'idle' | 'starting' | 'started' = 'idle';
  readonly #notStarted = new WeakSet<object>();

  constructor(wiring: Wiring) {
    this.#wiring = wiring;
  }

  /** Where the service is, as a readiness probe sees it. */
  readiness(): Readiness {
    if (this.#wiring.stopping.aborted) return 'stopping';
    return this.#state === 'started' ? 'ready' : 'starting';
  }

  /** `start(fn, options)`: see the coordinator's. */
  start(fn: unknown, options: unknown): Promise<void> {
    let timeout: number;
    try {
      if (fn !== undefined) callback('start(fn)', fn);
      ({ timeout } = startOptions(options));
      if (this.#state !== 'idle') throw new LastcallError('LASTCALL_ERR_ALREADY_STARTED', 'lastcall: start() was called already');
    } catch (error) {
      return Promise.reject(error);
    }
    this.#state = 'starting';
    const { log, stopping, fail } = this.#wiring;
    const begun = performance.now();
    const outcome = runStartUp((fn as ((context: StartUpContext) => unknown) | undefined) ?? (() => {}), timeout, stopping).then((outcome) => {
      if (outcome.kind === 'ready' && !stopping.aborted) {
        this.#state = 'started';
        log.info(`started in ${Math.round(performance.now() - begun)} ms: ready`);
        tellPm2Ready();
        return;
      }
      if (outcome.kind === 'failed' && !stopping.aborted) {
        log.error(`start-up failed: ${describeError(outcome.error)}`);
        fail(outcome.error);
      }
      return this.#never(outcome.kind === 'failed' ? outcome.error : stopping.reason);
    });
    // An unawaited start() that never completes must not raise an unhandled rejection, which
    // would change the exit code.
    outcome.catch(() => {});
    return outcome;
  }

  /** True for `start()`'s own rejection: awaited at the top of a module, it reaches the uncaught-error listeners. */
  isOwnRejection(error: unknown): boolean {
    return typeof error === 'object' && error !== null && this.#notStarted.has(error);
  }

  /** What `start()` returns when the service will never be ready: code after it must not run. */
  #never(cause: unknown): Promise<never> {
    if (this.#wiring.exit) return new Promise(() => {});
    const error = new LastcallError('LASTCALL_ERR_NOT_STARTED', 'lastcall: the service did not start: a shutdown is under way', { cause });
    this.#notStarted.add(error);
    return Promise.reject(error);
  }
}
