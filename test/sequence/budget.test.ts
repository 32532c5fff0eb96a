// Guarantee 5 (bounded): where the budget's time goes.
import { describe, expect, it } from 'vitest';
import { createBudget, phaseCap, toEpoch } from '../../src/sequence/budget.js';
import { PHASES } from '../../src/sequence/phases.js';

describe('createBudget', () => {
  it('keeps 2% for the exit (at most 100 ms) and 10% for hand-backs (at most 1000 ms)', () => {
    const small = createBudget(1_000, performance.now());
    expect(small.end - small.start).toBeCloseTo(1_000, 6);
    expect(small.exitReserve).toBe(20);
    expect(small.abandonReserve).toBe(100);
    const large = createBudget(60_000, performance.now());
    expect(large.exitReserve).toBe(100);
    expect(large.abandonReserve).toBe(1_000);
  });

  it('runs from its start, on the monotonic clock', () => {
    const budget = createBudget(8_000, 1_000);
    expect(budget).toMatchObject({ start: 1_000, end: 9_000 });
  });
});

describe('phaseCap', () => {
  it('cuts the phases up to the drain before both reserves, close-clients and exit before the exit reserve only', () => {
    const budget = createBudget(1_000, performance.now());
    const caps = Object.fromEntries(PHASES.map((phase) => [phase, Math.round(phaseCap(budget, phase) - budget.start)]));
    expect(caps).toEqual({ 'stop-intake': 880, 'stop-scheduler': 880, 'close-http': 880, drain: 880, 'close-clients': 980, exit: 980 });
  });
});

describe('toEpoch', () => {
  it('turns a monotonic instant into wall-clock ms, rounded', () => {
    const before = Date.now();
    const epoch = toEpoch(performance.now() + 250);
    const after = Date.now();
    expect(Number.isInteger(epoch)).toBe(true);
    expect(epoch).toBeGreaterThanOrEqual(before + 250 - 1);
    expect(epoch).toBeLessThanOrEqual(after + 250 + 1);
  });
});
