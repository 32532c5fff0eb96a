// An uncaught error starts the same shutdown: the error is logged with its stack, the hooks
// run in order, and the process exits 1. Run: npm run build && node examples/uncaught-error.mjs
import { ShutdownCoordinator } from 'lastcall';

const coordinator = new ShutdownCoordinator({ timeout: 3_000 });
const pool = { end: async () => console.log('pool closed') };
coordinator.register({ name: 'pool', phase: 'close-clients', run: () => pool.end() });

await coordinator.start();
setInterval(() => {}, 1_000); // a service keeps running…
setTimeout(() => {
  JSON.parse('{ not json'); // …until a bug throws where nothing catches it
}, 100);
