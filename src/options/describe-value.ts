import { builtin } from '../runtime/builtin.js';

// An argument error is one line: a framework instance given where its server belongs printed
// 14 KB when inspected whole, twice (the error, then the trigger that logged it).
const MAX_SHOWN = 80;

/** Shows a received value in an error message: short, on one line, with its kind. */
export function describeValue(value: unknown): string {
  const kind = value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;
  return `${shorten(show(value))} (${kind})`;
}

function show(value: unknown): string {
  try {
    return builtin('node:util').inspect(value, { depth: 0, breakLength: Infinity, maxStringLength: 60, maxArrayLength: 5, compact: true });
  } catch {
    // The value is the application's: a getter or a custom inspect may throw.
    return 'a value that throws when shown';
  }
}

function shorten(text: string): string {
  const line = text.replace(/\s+/g, ' ');
  return line.length <= MAX_SHOWN ? line : `${line.slice(0, MAX_SHOWN - 1)}…`;
}
