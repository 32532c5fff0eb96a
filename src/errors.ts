import { inspect } from 'node:util';

/** Codes carried by the errors lastcall throws, rejects with, or records. */
export type LastcallErrorCode =
  /** An option or argument has the wrong type (a `TypeError`) or is out of range (a `RangeError`). */
  | 'LASTCALL_ERR_INVALID_ARG'
  /** `run()` was called after the drain phase ended: the work was not started. */
  | 'LASTCALL_ERR_DRAINED'
  /** `addCluster()` was called outside a cluster primary. */
  | 'LASTCALL_ERR_NOT_PRIMARY';

/** An error raised by lastcall itself; `code` tells which. */
export class LastcallError extends Error {
  /** A stable code to branch on, never the message. */
  readonly code: LastcallErrorCode;

  constructor(code: LastcallErrorCode, message: string) {
    super(message);
    this.name = 'LastcallError';
    this.code = code;
  }
}

/** Shows a received value in an error message: short, on one line, typed. */
export function describeValue(value: unknown): string {
  const shown = safely(() => inspect(value, { depth: 1, breakLength: Infinity, maxStringLength: 60, maxArrayLength: 5 }));
  const kind = value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;
  return `${shown} (${kind})`;
}

type Coded<E extends Error> = E & { code: 'LASTCALL_ERR_INVALID_ARG' };

/** A TypeError naming the argument, what it must be, and what it got. */
export function invalidType(name: string, expected: string, received: unknown): Coded<TypeError> {
  return Object.assign(new TypeError(`lastcall: ${name} must be ${expected}, received ${describeValue(received)}`), {
    code: 'LASTCALL_ERR_INVALID_ARG' as const,
  });
}

/** A RangeError naming the argument, the range it must be in, and what it got. */
export function outOfRange(name: string, expected: string, received: unknown): Coded<RangeError> {
  return Object.assign(new RangeError(`lastcall: ${name} must be ${expected}, received ${describeValue(received)}`), {
    code: 'LASTCALL_ERR_INVALID_ARG' as const,
  });
}

/** The text of anything thrown: an Error's stack, or the value itself shown. Never throws. */
export function describeError(error: unknown): string {
  return safely(() => {
    if (error instanceof Error) return error.stack ?? `${error.name}: ${error.message}`;
    return `non-Error thrown: ${inspect(error, { depth: 2, breakLength: Infinity })}`;
  });
}

// Thrown values are the application's: a getter or a custom inspect may throw in turn, and
// describing them happens where a throw would stop the shutdown.
function safely(describe: () => string): string {
  try {
    return String(describe());
  } catch {
    return 'a value that throws when described';
  }
}
