// Stands in for a database pool or an HTTP agent: shared by requests, jobs and messages,
// and it must close last. A query on a closed client is exactly the bug lastcall prevents.
export function createClient(log) {
  let open = true;
  let inUse = 0;
  return {
    get inUse() {
      return inUse;
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
