import { setTimeout as sleep } from 'node:timers/promises';
import cron from 'node-cron';
import { ShutdownCoordinator } from 'lastcall';

const coordinator = new ShutdownCoordinator();

let runs = 0;
async function syncPrices(signal: AbortSignal): Promise<void> {
  const run = ++runs;
  console.log(`sync ${run} started`);
  await sleep(1_500, undefined, { signal }); // the job's work; the signal aborts only if the drain gives up on it
  console.log(`sync ${run} done`);
}

await coordinator.start(() => {
  const task = cron.schedule(
    '*/2 * * * * *', // every 2 s
    // Tracked: a run under way at the SIGTERM finishes before the exit, and so does one a tick starts
    // between the SIGTERM and stop-scheduler. After the drain run() refuses to start it; the catch says so quietly.
    () => coordinator.run(syncPrices, { name: 'sync prices' }).catch(() => {}),
    { name: 'sync prices', noOverlap: true },
  );
  // stop(), not cron.shutdown(): that one waits up to 5 s for the runs on its own clock, holding up
  // close-http and every later phase; the drain already waits for them, within the budget.
  coordinator.register({ name: 'cron', phase: 'stop-scheduler', run: () => task.stop() });
});
