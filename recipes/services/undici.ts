import { Agent, request } from 'undici';
import { ShutdownCoordinator } from 'lastcall';

const coordinator = new ShutdownCoordinator();
const agent = new Agent();
const payments = process.env.PAYMENTS_URL ?? 'http://127.0.0.1:4000';

async function charge(id: number, signal: AbortSignal): Promise<void> {
  const { statusCode, body } = await request(`${payments}/charges`, { method: 'POST', body: JSON.stringify({ id }), dispatcher: agent, signal });
  await body.dump();
  console.log(`charge ${id}: ${statusCode}`);
}

await coordinator.start(async ({ signal }) => {
  const { statusCode, body } = await request(`${payments}/health`, { dispatcher: agent, signal });
  await body.dump();
  if (statusCode !== 200) throw new Error(`payments answered ${statusCode}`); // fails the start-up: exit 1
  let next = 0;
  const intake = setInterval(() => {
    const id = ++next;
    // The task's own signal, not coordinator.signal: that one aborts at the SIGTERM and would cut the
    // charge mid-flight. This one aborts only if the drain gives up on the task.
    coordinator.run((signal) => charge(id, signal), { name: `charge ${id}` }).catch(() => {});
  }, 50);
  coordinator.register({ name: 'charge intake', phase: 'stop-intake', run: () => clearInterval(intake) });
  // close() lets requests under way finish; after the drain there are none left.
  coordinator.register({ name: 'undici agent', phase: 'close-clients', run: () => agent.close() });
});
