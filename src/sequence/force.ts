// A repeated signal gets this long to flush output and hand tasks back before the exit.
export const FORCE_GRACE = 50;

/**
 * The forced exit, as the hooks see it: a signal, and one set of callbacks instead of a listener
 * per hook on that signal (an EventTarget warns past 10 listeners and removes them one scan each).
 */
export interface Force {
  readonly signal: AbortSignal;
  /** Calls `listener` when the exit is forced; returns its removal. */
  subscribe(listener: () => void): () => void;
}

/** A force that `abort` sets off: its signal aborts, then each subscriber is called once. */
export function createForce(): Force & { abort(reason: unknown): void } {
  const controller = new AbortController();
  const listeners = new Set<() => void>();
  return {
    signal: controller.signal,
    subscribe: (listener) => (listeners.add(listener), () => void listeners.delete(listener)),
    abort(reason) {
      controller.abort(reason);
      for (const listener of [...listeners]) listener();
    },
  };
}
