// Guarantee 9 (no side effects, no leaks): one process listener per event, shared.
import { describe, expect, it } from 'vitest';
import { onProcessEvent } from '../../src/triggers/process-listeners.js';

const EVENT = 'SIGUSR2';

describe('onProcessEvent', () => {
  it('adds one process listener for any number of subscribers, and removes it with the last', () => {
    const before = process.listenerCount(EVENT);
    const calls: number[] = [];
    const removals = Array.from({ length: 50 }, (_, i) => onProcessEvent(EVENT, () => void calls.push(i)));
    expect(process.listenerCount(EVENT)).toBe(before + 1);
    process.emit(EVENT as NodeJS.Signals, EVENT as NodeJS.Signals);
    expect(calls).toEqual(Array.from({ length: 50 }, (_, i) => i));
    for (const remove of removals) remove();
    expect(process.listenerCount(EVENT)).toBe(before);
  });

  it('a removal is idempotent, and a subscriber removed during dispatch is still called this time', () => {
    const seen: string[] = [];
    let removeSecond = (): void => {};
    const removeFirst = onProcessEvent(EVENT, () => (seen.push('first'), removeSecond()));
    removeSecond = onProcessEvent(EVENT, () => void seen.push('second'));
    process.emit(EVENT as NodeJS.Signals, EVENT as NodeJS.Signals);
    process.emit(EVENT as NodeJS.Signals, EVENT as NodeJS.Signals);
    removeFirst();
    removeFirst();
    removeSecond();
    expect(seen).toEqual(['first', 'second', 'first']);
  });

  it('passes the event\'s arguments through', () => {
    const got: unknown[] = [];
    const remove = onProcessEvent('lastcall-test-event', (...args: unknown[]) => void got.push(args));
    (process.emit as (event: string, ...args: unknown[]) => boolean)('lastcall-test-event', 1, 'two');
    remove();
    expect(got).toEqual([[1, 'two']]);
  });
});
