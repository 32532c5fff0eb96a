import type { Log } from '../report/log.js';
import { isOwnListener } from '../triggers/process-listeners.js';

/**
 * Returns a check that names, in one warning, the other listeners for `events` on `process`:
 * each can end the process before the drain (exit-hook, close-with-grace), or re-send a signal
 * (terminus). Run at `start()` and again at the trigger, it names each listener once.
 */
export function listenerCheck(log: Log, events: readonly string[]): (when: string) => void {
  const named = new Set<unknown>();
  return (when) => {
    const found: string[] = [];
    for (const event of events) {
      for (const listener of process.listeners(event as NodeJS.Signals)) {
        if (isOwnListener(listener) || named.has(listener)) continue;
        named.add(listener);
        found.push(`${nameOf(listener)} on ${event}`);
      }
    }
    if (found.length === 0) return;
    log.warn(`${when}, other listeners compete with the shutdown and may end the process before it is done: ${found.join('; ')}`);
  };
}

// A name when it has one; for an anonymous function, the start of its source, which is cheap
// and usually enough to find it. (Its file and line would need the inspector: 30-50 ms.)
function nameOf(listener: unknown): string {
  const { name } = listener as { name?: unknown };
  if (typeof name === 'string' && name !== '' && name !== 'bound ') return name;
  const source = String(listener).replace(/\s+/g, ' ');
  return `an anonymous function (${source.length > 50 ? `${source.slice(0, 49)}…` : source})`;
}
