import { builtin } from '../runtime/builtin.js';

/** The text of anything thrown: an Error's stack, or the value itself shown. Never throws. */
export function describeError(error: unknown): string {
  // Thrown values are the application's: a getter or a custom inspect may throw in turn, and
  // describing them happens where a throw would stop the shutdown.
  try {
    if (error instanceof Error) return String(error.stack ?? `${error.name}: ${error.message}`);
    return `non-Error thrown: ${builtin('node:util').inspect(error, { depth: 2, breakLength: Infinity })}`;
  } catch {
    return 'a value that throws when described';
  }
}
