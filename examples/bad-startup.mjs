// A service that finds its configuration invalid at start-up: it shuts down through the
// same sequence, with exit code 78 (EX_CONFIG). Run: npm run build && node examples/bad-startup.mjs
import { ShutdownCoordinator } from 'lastcall';

const coordinator = new ShutdownCoordinator();
const pool = { end: async () => console.log('pool closed') };
coordinator.register({ name: 'pool', phase: 'close-clients', run: () => pool.end() });

if (!process.env.DATABASE_URL) {
  await coordinator.shutdown({ reason: 'DATABASE_URL is not set', exitCode: 78 });
}
