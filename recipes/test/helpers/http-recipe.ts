import { expect } from 'vitest';
import { keepAliveLoad, send, type Answer, type LoadResult } from './load.js';
import { freePort, startService, type Ended, type Service } from './service.js';

export interface Drained {
  readonly service: Service;
  readonly ended: Ended;
  readonly load: LoadResult;
  /** What /ready answered during the readiness delay, on a new connection (none without a delay). */
  readonly stopping: Answer | undefined;
  /** From the SIGTERM to the exit. */
  readonly ms: number;
}

/**
 * Starts recipe `name`, checks that /ready says ready, puts keep-alive load on `path`, sends a
 * real SIGTERM once requests are under way, asks /ready again during the readiness delay, and
 * waits for the exit.
 */
export async function drainUnderLoad(
  name: string,
  {
    path = '/orders',
    method = 'GET',
    env = {},
    clients = 8,
    readinessDelay = 0,
  }: { path?: string; method?: string; env?: Record<string, string>; clients?: number; readinessDelay?: number } = {},
): Promise<Drained> {
  const port = await freePort();
  const delay: Record<string, string> = readinessDelay > 0 ? { READINESS_DELAY_MS: String(readinessDelay) } : {};
  const service = startService(name, { PORT: String(port), HOST: '127.0.0.1', ...delay, ...env }, { seenRequests: true });
  expect(await readyOn(port, service)).toMatchObject({ status: 200, body: 'ready\n' });
  const load = keepAliveLoad(port, path, { clients, method, seen: service.seen });
  await load.answeredAtLeast(clients * 2);
  const signalAt = service.kill('SIGTERM');
  load.signalled(signalAt);
  const stopping = readinessDelay > 0 ? await stoppingOn(port) : undefined;
  const ended = await service.ended();
  return { service, ended, load: await load.finish(), stopping, ms: Math.round(ended.at - signalAt) };
}

/** Asks /ready as a probe would, every 20 ms, until it says 200; 500 times at most. */
export async function readyOn(port: number, service: Service): Promise<Answer> {
  let last: Answer | Error = new Error('never asked');
  for (let i = 0; i < 500; i++) {
    last = await send(port, '/ready').catch((error: Error) => error);
    if (!(last instanceof Error) && last.status === 200) return last;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`/ready never said 200; last: ${last instanceof Error ? last.message : `${last.status} ${last.body}`}\n${service.output().slice(-3000)}`);
}

/**
 * Asks /ready, on a new connection each time, from the SIGTERM on, until it stops saying 200: the
 * first other answer must come during the readiness delay. 500 times at most, 5 ms apart.
 */
async function stoppingOn(port: number): Promise<Answer> {
  for (let i = 0; i < 500; i++) {
    const answer = await send(port, '/ready');
    if (answer.status !== 200) return answer;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new Error('/ready still said 200 after 500 asks');
}

/** What every HTTP recipe must show: readiness followed the shutdown, every request answered, a clean exit. */
export function expectCleanDrain({ ended, load, stopping }: Drained): void {
  if (stopping !== undefined) expect(stopping).toMatchObject({ status: 503, body: 'stopping\n', connection: 'close' });
  expect(load.failures).toEqual([]);
  expect(load.inFlightAtSignal).toBeGreaterThan(0);
  expect(ended.output).toMatch(/lastcall: shutdown clean in \d+ ms: exit code 0/);
  expect(ended.code).toBe(0);
}

export function describeDrain({ load, ms }: Drained): string {
  const idle = load.unreadResets.join(', ');
  const resets = load.unreadResets.length === 0 ? '' : `, ${load.unreadResets.length} reset unread on an idle keep-alive socket (sent ${idle} ms after the previous answer)`;
  return `${load.answered} requests answered of ${load.sent} sent (${load.inFlightAtSignal} in flight at SIGTERM), ${load.failures.length} failed${resets}, exit 0 in ${ms} ms`;
}
