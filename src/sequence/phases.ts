/** The phases of a shutdown, in the order they run. */
export const PHASES = ['stop-intake', 'stop-scheduler', 'close-http', 'drain', 'close-clients', 'exit'] as const;

/**
 * One phase of the shutdown sequence:
 * - `stop-intake`: stop taking new work (message consumers, queue workers).
 * - `stop-scheduler`: stop starting jobs (cron, intervals).
 * - `close-http`: stop listening and let in-flight requests finish.
 * - `drain`: wait for in-flight tasks; the coordinator's own hook lives here.
 * - `close-clients`: close what the work used (database pools, HTTP agents, Redis).
 * - `exit`: last words (flush telemetry); then the coordinator flushes output and exits.
 */
export type Phase = (typeof PHASES)[number];

export function isPhase(value: unknown): value is Phase {
  return (PHASES as readonly unknown[]).includes(value);
}

export function phaseIndex(phase: Phase): number {
  return PHASES.indexOf(phase);
}
