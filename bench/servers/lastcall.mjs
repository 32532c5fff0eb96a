// lastcall, as its README wires it: addServer(server) before it listens, cleanup in
// close-clients, background work through run() with onAbandon, intake stopped in stop-intake
// and stop-scheduler.
import { budget, cleanup, listen, server, startWork, work } from './common.mjs';

// ../dist, or the snapshot of it that run.mjs takes at its start (BENCH_LASTCALL).
const { ShutdownCoordinator } = await import(process.env.BENCH_LASTCALL ?? '../../dist/index.js');

const coordinator = new ShutdownCoordinator({ timeout: budget });
coordinator.addServer(server);
coordinator.register({ name: 'consumer', phase: 'stop-intake', run: () => work.stopConsumer() });
coordinator.register({ name: 'scheduler', phase: 'stop-scheduler', run: () => work.stopScheduler() });
coordinator.register({ name: 'cleanup', phase: 'close-clients', run: () => cleanup({ drain: false }) });

await listen();
startWork((task) => {
  coordinator.run((signal) => task.execute(signal), { name: task.id, onAbandon: () => task.nack() }).catch(() => {});
});
