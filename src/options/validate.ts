import { MAX_DELAY } from '../sequence/deadline.js';
import { signalNumber } from '../triggers/signal-number.js';
import { invalidType, outOfRange, unknownOption } from './errors.js';

/**
 * The entries of an options bag, checked: `undefined` is an empty bag, anything but a plain
 * object is a TypeError, and so is a key the bag does not have (a typo must not pass silently).
 */
export function optionsBag<K extends string>(bag: string, value: unknown, known: readonly K[]): { readonly [key in K]?: unknown } {
  if (value === undefined) return {};
  if (!isPlainObject(value)) throw invalidType(bag, 'an object', value);
  for (const key of Object.keys(value)) {
    if (!(known as readonly string[]).includes(key)) throw unknownOption(bag, key, known, value[key]);
  }
  return value as { readonly [key in K]?: unknown };
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** A duration in ms: an integer from `min` (default 1) that a timer can hold. */
export function duration(name: string, value: unknown, min = 1): number {
  if (typeof value !== 'number' || Number.isNaN(value)) throw invalidType(name, 'a number of milliseconds', value);
  if (!Number.isInteger(value) || value < min || value > MAX_DELAY) {
    throw outOfRange(name, `an integer from ${min} to ${MAX_DELAY} (ms)`, value);
  }
  return value;
}

/** A process exit code: an integer from 0 to 255. */
export function exitCode(name: string, value: unknown): number {
  if (typeof value !== 'number') throw invalidType(name, 'an integer exit code', value);
  if (!Number.isInteger(value) || value < 0 || value > 255) throw outOfRange(name, 'an integer from 0 to 255', value);
  return value;
}

/** A signal name this platform knows, such as `SIGTERM`. */
export function signalName(name: string, value: unknown): NodeJS.Signals {
  if (typeof value !== 'string') throw invalidType(name, 'a signal name such as "SIGTERM"', value);
  if (signalNumber(value) === undefined) throw outOfRange(name, 'a signal name this platform knows', value);
  return value as NodeJS.Signals;
}

export function boolean(name: string, value: unknown): boolean {
  if (typeof value !== 'boolean') throw invalidType(name, 'a boolean', value);
  return value;
}

/** A name for the log and the report: a non-empty string. */
export function label(name: string, value: unknown): string {
  if (typeof value !== 'string' || value.length === 0) throw invalidType(name, 'a non-empty string', value);
  return value;
}

export function text(name: string, value: unknown): string {
  if (typeof value !== 'string') throw invalidType(name, 'a string', value);
  return value;
}

export function callback<F extends (...args: never[]) => unknown>(name: string, value: unknown): F {
  if (typeof value !== 'function') throw invalidType(name, 'a function', value);
  return value as F;
}

/** `check(name, value)` unless the value is `undefined`, which stays `undefined`. */
export function optional<T, A extends unknown[]>(check: (name: string, value: unknown, ...rest: A) => T, name: string, value: unknown, ...rest: A): T | undefined {
  return value === undefined ? undefined : check(name, value, ...rest);
}
