/** Calls `fn` when `signal` aborts, or now if it has; returns its removal. */
export function onAbort(signal: AbortSignal, fn: () => void): () => void {
  if (signal.aborted) fn();
  else signal.addEventListener('abort', fn, { once: true });
  return () => signal.removeEventListener('abort', fn);
}
