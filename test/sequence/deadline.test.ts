// Guarantee 5 (bounded): deadline timers never fire early, and settledBy never rejects.
import { describe, expect, it } from 'vitest';
import { atInstant, settledBy } from '../../src/sequence/deadline.js';

describe('atInstant', () => {
  it('never fires before its instant on the monotonic clock, over many timers', async () => {
    const early: number[] = [];
    await Promise.all(
      Array.from({ length: 200 }, (_, i) => {
        const instant = performance.now() + 1 + (i % 20) + i / 7;
        return new Promise<void>((resolve) =>
          atInstant(instant, () => {
            const now = performance.now();
            if (now < instant) early.push(instant - now);
            resolve();
          }),
        );
      }),
    );
    expect(early).toEqual([]);
  });

  it('an instant in the past fires on the next turn, and a cancelled one never', async () => {
    const fired: string[] = [];
    atInstant(performance.now() - 50, () => fired.push('past'));
    const cancel = atInstant(performance.now() + 5, () => fired.push('cancelled'));
    cancel();
    await new Promise((resolve) => atInstant(performance.now() + 20, () => resolve(undefined)));
    expect(fired).toEqual(['past']);
  });
});

describe('settledBy', () => {
  it('resolves when the promise settles, even by rejecting', async () => {
    const start = performance.now();
    await settledBy(Promise.reject(new Error('no')), performance.now() + 10_000);
    await settledBy(Promise.resolve(), performance.now() + 10_000);
    expect(performance.now() - start).toBeLessThan(1_000);
  });

  it('resolves at the instant when the promise never settles', async () => {
    const instant = performance.now() + 30;
    await settledBy(new Promise(() => {}), instant);
    expect(performance.now()).toBeGreaterThanOrEqual(instant);
  });
});
