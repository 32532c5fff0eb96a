import { describeValue } from './describe-value.js';

/** Codes carried by the errors lastcall throws, rejects with, or records. */
export type LastcallErrorCode =
  /** An option or argument has the wrong type (a `TypeError`) or is out of range (a `RangeError`). */
  | 'LASTCALL_ERR_INVALID_ARG'
  /** `run()` was called after the drain phase ended: the work was not started. */
  | 'LASTCALL_ERR_DRAINED'
  /** `addCluster()` was called outside a cluster primary. */
  | 'LASTCALL_ERR_NOT_PRIMARY'
  /** The start-up did not finish within `start()`'s `timeout`: the trigger's error. */
  | 'LASTCALL_ERR_START_TIMEOUT'
  /** With `exit: false`, what `start()` rejects with when the service never became ready; `cause` says why. */
  | 'LASTCALL_ERR_NOT_STARTED'
  /** `start()` was called a second time. */
  | 'LASTCALL_ERR_ALREADY_STARTED';

/** An error raised by lastcall itself; `code` tells which. */
export class LastcallError extends Error {
  /** A stable code to branch on, never the message. */
  readonly code: LastcallErrorCode;

  constructor(code: LastcallErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'LastcallError';
    this.code = code;
  }
}

type Coded<E extends Error> = E & { readonly code: 'LASTCALL_ERR_INVALID_ARG' };

function coded<E extends Error>(error: E): Coded<E> {
  return Object.assign(error, { code: 'LASTCALL_ERR_INVALID_ARG' as const });
}

/** A TypeError naming the argument, what it must be, and what it got. */
export function invalidType(name: string, expected: string, received: unknown): Coded<TypeError> {
  return coded(new TypeError(`lastcall: ${name} must be ${expected}, received ${describeValue(received)}`));
}

/** A RangeError naming the argument, the range it must be in, and what it got. */
export function outOfRange(name: string, expected: string, received: unknown): Coded<RangeError> {
  return coded(new RangeError(`lastcall: ${name} must be ${expected}, received ${describeValue(received)}`));
}

/** A TypeError for a key an options bag does not have, with the nearest known key when one is close. */
export function unknownOption(bag: string, key: string, known: readonly string[], received: unknown): Coded<TypeError> {
  const guess = nearest(key, known);
  const hint = guess === undefined ? '' : ` (did you mean ${guess}?)`;
  return coded(
    new TypeError(`lastcall: ${bag}.${key} is not an option${hint}; the options are ${known.join(', ')}; received ${describeValue(received)}`),
  );
}

// A typo is a case slip or a letter or two off: further than that, a guess misleads more than it helps.
function nearest(key: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const candidate of known) {
    const distance = candidate.toLowerCase() === key.toLowerCase() ? 0 : editDistance(key, candidate);
    if (distance < bestDistance) [best, bestDistance] = [candidate, distance];
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length]!;
}
