// A service whose start-up cannot go on: the configuration is invalid. The failure starts the
// same shutdown as a signal would, closing what was opened so far, and exits with
// exitCodes.startUp, here 78 (EX_CONFIG). Run: npm run build && node examples/bad-startup.mjs
import { ShutdownCoordinator } from 'lastcall';

const coordinator = new ShutdownCoordinator({ exitCodes: { startUp: 78 } });

await coordinator.start(async () => {
  const pool = { end: async () => console.log('pool closed') }; // stands in for a real pool, opened first
  coordinator.register({ name: 'pool', phase: 'close-clients', run: () => pool.end() });
  if (!process.env.DATABASE_URL) throw new Error('DATABASE_URL is not set');
});
console.log('never printed when the start-up fails');
