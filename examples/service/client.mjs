// Stands in for a database pool or an HTTP agent: shared by requests, jobs and messages,
// and it must close last. A query on a closed client is exactly the bug lastcall prevents.
import { setTimeout as sleep } from 'node:timers/promises';

export function createClient(log) {
  let open = true;
  let inUse = 0;
  return {
    get inUse() {
      return inUse;
    },
    /** Stands in for the connection handshake a real pool makes at start-up. */
    async connect(signal) {
      await sleep(50, undefined, { signal });
    },
    async query(label, ms, signal) {
      if (!open) {
        log(`event:query-on-closed-client:${label}`);
        throw new Error(`client closed: ${label}`);
      }
      inUse++;
      try {
        await new Promise((resolve, reject) => {
          const timer = setTimeout(resolve, ms);
          signal?.addEventListener('abort', () => (clearTimeout(timer), reject(signal.reason)), { once: true });
        });
        return `result of ${label}`;
      } finally {
        inUse--;
      }
    },
    async close() {
      open = false;
      log(`event:client-closed:${inUse}`);
    },
  };
}
