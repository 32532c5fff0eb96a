// A rolling restart behind a real HAProxy that checks each instance's readiness: two instances,
// A, B, A, B, each sent SIGTERM, awaited, started again and put back by HAProxy before the next,
// under a closed loop of keep-alive clients that POST orders with unique ids. Counted at the
// clients: failed requests; at the instances: orders answered but never recorded (lost) and
// recorded twice (duplicated). Timed at the instances, on one clock: SIGTERM, the first check
// answered 503, the last order that arrived, the listener's close, the exit.
import { mkdirSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { startFixture, type Fixture } from './helpers/fixture.js';
import { describeWithServer } from './helpers/servers.js';
import { epochNow, HAPROXY, startHaproxy, type Haproxy } from './helpers/haproxy.js';
import { freePort } from './helpers/net.js';

interface Scenario {
  readonly name: string;
  /** What the instances get as `readinessDelay`. */
  readonly readinessDelay: unknown;
  /** HAProxy retries a refused connection on the other instance (else the client sees a 503). */
  readonly retry: boolean;
  /** Ms between HAProxy's readiness checks. */
  readonly checkEvery: number;
  readonly clients: number;
  /** Ms each client waits between an answer and its next order: 0 is a closed loop at full speed. */
  readonly pause: number;
  /** Orders a (re)started instance must have recorded before it gets its SIGTERM. */
  readonly warmOrders: number;
  /**
   * SIGTERM right after the instance has answered a check, so HAProxy sees the 503 a whole
   * interval later: the slowest case. Else SIGTERM follows an order, at any point between checks.
   */
  readonly signalAfterCheck: boolean;
}

const BUSY = { checkEvery: 200, clients: 64, pause: 0, warmOrders: 2_000, signalAfterCheck: false } as const;
// A few orders a second in all, checked every second: an instance can see no order for a second.
const QUIET = { checkEvery: 1_000, clients: 2, pause: 500, warmOrders: 5, signalAfterCheck: true } as const;

/** Keeps each instance's output and HAProxy's stderr there, for notes/haproxy-facts.mjs. */
const keep = process.env.HAPROXY_LOGS;
const proxies: Haproxy[] = [];
afterAll(async () => {
  await Promise.all(proxies.map((haproxy) => haproxy.stop()));
});

/** The clients: each POSTs its next order as soon as the last is answered (or `pause` ms later). */
function orders(port: number, clients: number, pause: number) {
  const answered = new Set<string>();
  const failed = new Map<string, string>();
  let sent = 0;
  let stopped = false;
  const client = async (c: number): Promise<void> => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    for (let i = 0; i < 100_000 && !stopped; i++) {
      const id = `c${c}-${i}`;
      sent++;
      const outcome = await new Promise<number | string>((resolve) => {
        const req = request({ host: '127.0.0.1', port, path: '/orders', method: 'POST', agent }, (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode!));
          res.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? String(error)));
        });
        req.setTimeout(10_000, () => req.destroy(Object.assign(new Error('no answer within 10 s'), { code: 'TIMEOUT' })));
        // On a reused socket, a reset is HAProxy passing on a server-side close it could not retry.
        req.on('error', (error: NodeJS.ErrnoException) => resolve(`${error.code ?? String(error)}${req.reusedSocket ? ' on a reused socket' : ''}`));
        req.end(id);
      });
      if (outcome === 201) answered.add(id);
      else failed.set(id, String(outcome));
      if (pause > 0 && !stopped) await new Promise((resolve) => setTimeout(resolve, pause));
    }
    agent.destroy();
  };
  const running = Array.from({ length: clients }, (_, c) => client(c));
  return {
    answered,
    failed,
    sent: () => sent,
    stop: async (): Promise<void> => {
      stopped = true;
      await Promise.all(running);
    },
  };
}

interface Arrival {
  readonly id: string;
  readonly at: number;
  readonly conn: number;
}

/** What one instance printed (see test/fixtures/haproxy-instance.mjs). */
function parse(stdout: string) {
  const arrivals: Arrival[] = [];
  const checks: { status: number; at: number; conn: number }[] = [];
  const marks = new Map<string, number>();
  for (const line of stdout.split('\n')) {
    const [head, ...rest] = line.split(' ');
    if (head!.startsWith('recorded:')) arrivals.push({ id: head!.slice(9), at: Number(rest[0]), conn: Number(rest[1]) });
    else if (head === 'ready') checks.push({ status: Number(rest[0]), at: Number(rest[1]), conn: Number(rest[2]) });
    else if (head === 'sigterm' || head === 'closing' || head === 'exit') marks.set(head, Number(rest[0]));
  }
  return { arrivals, checks, marks };
}

/** Resolves once `instance` has printed `count` lines that start with `prefix`; rejects (showing its output) after `within` ms. */
function printedLines(instance: Fixture, prefix: string, count: number, within: number): Promise<void> {
  // Counted as lines come in: rescanning the whole output at every chunk would load the clients' process.
  let seen = 0;
  let scanned = 0;
  return new Promise((resolve, reject) => {
    const check = (): void => {
      const stdout = instance.stdout();
      for (let end = stdout.indexOf('\n', scanned); end !== -1; end = stdout.indexOf('\n', scanned)) {
        if (stdout.startsWith(prefix, scanned)) seen++;
        scanned = end + 1;
      }
      if (seen < count) return;
      clearTimeout(timer);
      instance.child.stdout.off('data', check);
      resolve();
    };
    const timer = setTimeout(() => {
      instance.child.stdout.off('data', check);
      reject(new Error(`the instance printed ${seen} of ${count} lines starting with ${JSON.stringify(prefix)} within ${within} ms\n${instance.stdout().slice(-2000)}`));
    }, within);
    instance.child.stdout.on('data', check);
    check();
  });
}

interface Restart {
  readonly instance: number;
  /** Ms after the instance's own SIGTERM mark. */
  readonly firstFailedCheck: number;
  readonly lastArrival: number;
  readonly closing: number;
  readonly exit: number;
  /** Ms from the test's kill() to the child's close, as the test saw it. */
  readonly signalToClose: number;
  readonly arrivalsAfterSignal: number;
  /** Why the readiness delay ended, from the report. */
  readonly endedBy: string | undefined;
}

async function rollingRestart(scenario: Scenario) {
  const ports = [await freePort(), await freePort()];
  const generations: { instance: number; fixture: Fixture }[] = [];
  const start = async (i: number): Promise<Fixture> => {
    const fixture = startFixture('haproxy-instance.mjs', [], { PORT: String(ports[i]), READINESS_DELAY: JSON.stringify(scenario.readinessDelay) });
    generations.push({ instance: i, fixture });
    await fixture.waitFor(`listening:${ports[i]}\n`);
    return fixture;
  };
  const live = [await start(0), await start(1)];
  const haproxy = await startHaproxy({ backends: ports, checkEvery: scenario.checkEvery, retry: scenario.retry });
  proxies.push(haproxy);
  await haproxy.waitUntilUp(0);
  await haproxy.waitUntilUp(1);
  const traffic = orders(haproxy.port, scenario.clients, scenario.pause);

  const restarts: Restart[] = [];
  for (let round = 0; round < 2; round++) {
    for (const i of [0, 1]) {
      await printedLines(live[i]!, 'recorded:', scenario.warmOrders, 30_000);
      if (scenario.signalAfterCheck) {
        const checks = live[i]!.stdout().split('\nready 200 ').length - 1;
        await printedLines(live[i]!, 'ready 200 ', checks + 1, 5 * scenario.checkEvery + 5_000);
      }
      const signalled = epochNow();
      live[i]!.kill('SIGTERM');
      const ended = await live[i]!.ended(15_000);
      expect(ended.code).toBe(0);
      const { arrivals, checks, marks } = parse(ended.stdout);
      const sigterm = marks.get('sigterm')!;
      const after = arrivals.filter((arrival) => arrival.at >= sigterm);
      restarts.push({
        instance: i,
        firstFailedCheck: (checks.find((check) => check.status === 503)?.at ?? Number.NaN) - sigterm,
        lastArrival: arrivals.reduce((last, arrival) => Math.max(last, arrival.at), -Infinity) - sigterm,
        closing: marks.get('closing')! - sigterm,
        exit: marks.get('exit')! - sigterm,
        signalToClose: performance.timeOrigin + ended.at - signalled,
        arrivalsAfterSignal: after.length,
        endedBy: (JSON.parse(ended.stdout.split('\n').find((line) => line.startsWith('report:'))?.slice(7) ?? '{}') as { readinessDelay?: { endedBy: string } }).readinessDelay?.endedBy,
      });
      live[i] = await start(i);
      // A check the new instance passed comes after any that failed while it was down: from then on
      // HAProxy's state is the new instance's.
      await live[i]!.waitFor('ready 200 ', 10_000);
      await haproxy.waitUntilUp(i);
    }
  }
  await traffic.stop();
  for (const instance of live) instance.kill('SIGTERM');
  await Promise.all(live.map((instance) => instance.ended(15_000)));
  await haproxy.stop();

  if (keep !== undefined) {
    const dir = join(keep, `${scenario.name}-${Date.now()}`);
    mkdirSync(dir, { recursive: true });
    generations.forEach(({ instance, fixture }, g) => writeFileSync(join(dir, `g${g}-i${instance}.log`), fixture.stdout()));
    writeFileSync(join(dir, 'haproxy.log'), haproxy.stderr());
    writeFileSync(join(dir, 'haproxy-requests.log'), haproxy.log());
    writeFileSync(join(dir, 'haproxy.cfg'), haproxy.config);
    writeFileSync(join(dir, 'clients.json'), JSON.stringify({ scenario, sent: traffic.sent(), failed: [...traffic.failed] }));
  }

  const recorded = new Map<string, number>();
  for (const { fixture } of generations) {
    for (const { id } of parse(fixture.stdout()).arrivals) recorded.set(id, (recorded.get(id) ?? 0) + 1);
  }
  return {
    sent: traffic.sent(),
    failed: [...traffic.failed].map(([id, reason]) => `${id}:${reason}${recorded.has(id) ? ' (recorded)' : ''}`),
    lost: [...traffic.answered].filter((id) => !recorded.has(id)),
    duplicated: [...recorded].filter(([, count]) => count > 1).map(([id]) => id),
    restarts,
    haproxyLog: haproxy.log(),
  };
}

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)]!;
};

async function run(scenario: Scenario) {
  const result = await rollingRestart(scenario);
  const ms = (value: number): string => (Number.isNaN(value) ? '-' : value.toFixed(0));
  // httplog: ... status bytes ... actconn/feconn/beconn/srv_conn/retries (a "+" when redispatched) ... "request line"
  const logged = result.haproxyLog.split('\n').filter((line) => line.includes('"POST /orders'));
  const retried = logged.filter((line) => / \d+\/\d+\/\d+\/\d+\/\+?[1-9]\d* /.test(line));
  const errors = logged.filter((line) => !/\] \S+ \S+ \S+ 201 /.test(line));
  console.log(
    [
      `${scenario.name}: ${result.sent} orders, ${result.restarts.length} restarts, ${result.failed.length} failed, ${result.lost.length} lost, ${result.duplicated.length} duplicated; ` +
        `SIGTERM to exit, median ${ms(median(result.restarts.map((restart) => restart.exit)))} ms`,
      ...result.restarts.map(
        (r) =>
          `  i${r.instance}: after SIGTERM, first 503 check ${ms(r.firstFailedCheck)} ms, last order ${ms(r.lastArrival)} ms (${r.arrivalsAfterSignal} arrived), ` +
          `delay ended by ${r.endedBy}, listener closing ${ms(r.closing)} ms, exit ${ms(r.exit)} ms (${ms(r.signalToClose)} ms from kill() to close at the test)`,
      ),
      `  HAProxy logged ${retried.length} orders retried or redispatched, ${errors.length} answered with an error` +
        (result.failed.length > errors.length ? `; the other failures it closed without a log line (it does so when a reused connection to an instance closes)` : ''),
      ...result.failed.slice(0, 5).map((failure) => `  failed ${failure}`),
      ...errors.slice(0, 5).map((line) => `  haproxy: ${line}`),
    ].join('\n'),
  );
  return result;
}

describeWithServer(HAPROXY, 'haproxy', 'a rolling restart behind HAProxy with readiness checks', () => {
  it('readinessDelay { max: 5000 }: 0 failed, 0 lost, 0 duplicated orders, each instance out in a few hundred ms', async () => {
    const result = await run({ name: 'adaptive', readinessDelay: { max: 5_000 }, retry: true, ...BUSY });
    expect(result.sent).toBeGreaterThan(10_000);
    expect({ failed: result.failed, lost: result.lost, duplicated: result.duplicated }).toEqual({ failed: [], lost: [], duplicated: [] });
    // The delay ended on the quiet, not at max; bench/ and docs/ have the tight numbers beside the fixed delay's.
    expect(result.restarts.map((restart) => restart.endedBy)).toEqual(Array(4).fill('quiet'));
    expect(median(result.restarts.map((restart) => restart.exit))).toBeLessThan(1_000);
  }, 90_000);

  it('readinessDelay { max: 5000 }, HAProxy without retries or redispatch: 0 failed, 0 lost, 0 duplicated orders', async () => {
    const result = await run({ name: 'adaptive-no-retry', readinessDelay: { max: 5_000 }, retry: false, ...BUSY });
    expect(result.sent).toBeGreaterThan(10_000);
    expect({ failed: result.failed, lost: result.lost, duplicated: result.duplicated }).toEqual({ failed: [], lost: [], duplicated: [] });
  }, 90_000);

  it('readinessDelay 1000 (fixed): 0 failed, 0 lost, 0 duplicated orders, each instance out after the whole second', async () => {
    const result = await run({ name: 'fixed-1000', readinessDelay: 1_000, retry: true, ...BUSY });
    expect({ failed: result.failed, lost: result.lost, duplicated: result.duplicated }).toEqual({ failed: [], lost: [], duplicated: [] });
    expect(median(result.restarts.map((restart) => restart.exit))).toBeGreaterThanOrEqual(1_000);
  }, 90_000);

  it('a quiet service, checked every second, readinessDelay { max: 5000 }: the delay outlasts HAProxy\'s 503 check, 0 failed', async () => {
    const result = await run({ name: 'quiet-adaptive-no-retry', readinessDelay: { max: 5_000 }, retry: false, ...QUIET });
    expect(result.sent).toBeGreaterThan(20);
    // Few orders, so few to fail: the listener must have stayed open until HAProxy had seen the 503.
    for (const restart of result.restarts) expect(restart.closing).toBeGreaterThan(restart.firstFailedCheck);
    expect({ failed: result.failed, lost: result.lost, duplicated: result.duplicated }).toEqual({ failed: [], lost: [], duplicated: [] });
  }, 90_000);

  it('without a readiness delay, HAProxy without retries: orders fail (what the delay is for)', async () => {
    const result = await run({ name: 'no-delay-no-retry', readinessDelay: 0, retry: false, ...BUSY });
    expect(result.failed.length).toBeGreaterThan(0);
  }, 90_000);
});
