import { afterEach } from 'vitest';
import { ShutdownCoordinator, type ShutdownCoordinatorOptions } from '../../src/index.js';

const made = new Set<ShutdownCoordinator>();

afterEach(() => {
  for (const coordinator of made) coordinator.uninstall();
  made.clear();
  // exit: false hands the code to process.exitCode; the test runner's own exit must not inherit it.
  process.exitCode = undefined;
});

/** A coordinator for in-process tests: no exit, no process listeners unless asked, no log. */
export function testCoordinator(options: ShutdownCoordinatorOptions = {}): ShutdownCoordinator {
  const coordinator = new ShutdownCoordinator({ exit: false, signals: [], handleErrors: false, logger: false, ...options });
  made.add(coordinator);
  return coordinator;
}

/** Resolves after `ms` real milliseconds: work that takes time, not a wait for something to happen. */
export const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Resolves on the next turn of the event loop, once every microtask and nextTick queued before
 * it has run: what process warnings and unhandled rejections are emitted from.
 */
export const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
