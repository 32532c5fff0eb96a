import { phaseIndex, type Phase } from './phases.js';

/**
 * Where the total budget's time goes. All instants are `performance.now()` values,
 * so a wall-clock jump cannot shorten or stretch a shutdown.
 */
export interface Budget {
  readonly start: number;
  readonly end: number;
  /** Kept at the very end for flushing output and the exit itself. */
  readonly exitReserve: number;
  /** Kept after the drain's wait, so abandoned tasks can be handed back (nack, requeue). */
  readonly abandonReserve: number;
}

// About 2% of the budget, never more than 100 ms: enough to flush a pipe, small enough not to matter.
const EXIT_RESERVE_SHARE = 0.02;
const EXIT_RESERVE_MAX = 100;
// onAbandon callbacks and close-clients share this slice after the drain gives up waiting.
const ABANDON_RESERVE_SHARE = 0.1;
const ABANDON_RESERVE_MAX = 1_000;

/** The budget of `timeout` ms from `start`, an instant of `performance.now()`. */
export function createBudget(timeout: number, start: number): Budget {
  return {
    start,
    end: start + timeout,
    exitReserve: Math.min(timeout * EXIT_RESERVE_SHARE, EXIT_RESERVE_MAX),
    abandonReserve: Math.min(timeout * ABANDON_RESERVE_SHARE, ABANDON_RESERVE_MAX),
  };
}

/** The latest instant a hook of `phase` may run until, whatever its own timeout. */
export function phaseCap(budget: Budget, phase: Phase): number {
  const beforeReserves = budget.end - budget.exitReserve;
  return phaseIndex(phase) <= phaseIndex('drain') ? beforeReserves - budget.abandonReserve : beforeReserves;
}

/**
 * A `performance.now()` instant as a wall-clock time in ms since the epoch, for users.
 * Measured from the wall clock now: `timeOrigin + instant` drifts from `Date.now()` in a
 * long-lived process.
 */
export function toEpoch(instant: number): number {
  return Math.round(Date.now() + (instant - performance.now()));
}
