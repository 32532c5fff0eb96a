import { builtin } from '../runtime/builtin.js';

/** The platform's number for a signal name (15 for SIGTERM), or undefined for a name it does not know. */
export function signalNumber(name: string): number | undefined {
  const numbers: Readonly<Record<string, number>> = builtin('node:os').constants.signals;
  return Object.hasOwn(numbers, name) ? numbers[name] : undefined;
}
