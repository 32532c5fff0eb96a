import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { freePort } from './net.js';

/** Debian's package (`apt-get install haproxy`; 2.6 on bookworm), which .ci/run installs. */
export const HAPROXY = '/usr/sbin/haproxy';

export interface HaproxyOptions {
  /** The instances' ports, on 127.0.0.1; HAProxy names them i0, i1, ... in this order. */
  readonly backends: readonly number[];
  /** Ms between two health checks of an instance (`inter`); one failed check takes it out, one passed check puts it back. */
  readonly checkEvery?: number;
  /**
   * true (default): a refused connection is tried again on another instance (`retries 3`,
   * `option redispatch 1`). false: `retries 0` and no redispatch, so the refusal reaches the
   * client as a 503, as it does behind kube-proxy.
   */
  readonly retry?: boolean;
}

export interface Haproxy {
  /** Its frontend port on 127.0.0.1. */
  readonly port: number;
  readonly config: string;
  /** HAProxy's own view of each instance (`show servers state` on its stats socket): true while it sends to it. */
  serversUp(): Promise<boolean[]>;
  /** Resolves once HAProxy sends to instance `server`; polls its stats socket 20 ms apart, `within` ms at most. */
  waitUntilUp(server: number, within?: number): Promise<void>;
  /** Everything HAProxy wrote on stderr: its warnings and alerts. */
  stderr(): string;
  /** HAProxy's log (httplog format) of the requests that were not plain successes, with their termination state. */
  log(): string;
  /** Ends it by pid (SIGTERM: a hard stop), and SIGKILL if it is still running 5 s later. */
  stop(): Promise<void>;
}

export const epochNow = (): number => performance.timeOrigin + performance.now();

const running = new Set<ChildProcessWithoutNullStreams>();
afterAll(() => {
  for (const child of running) child.kill('SIGKILL');
  running.clear();
});


function configFor(dir: string, port: number, { backends, checkEvery = 200, retry = true }: HaproxyOptions): string {
  return `
global
  # One thread leaves the 2-core machine to the instances and the clients.
  nbthread 1
  stats socket ${join(dir, 'admin.sock')} mode 600 level admin
  log stdout format raw local0

defaults
  mode http
  # One line per request that was not a plain success: an error, a retry, a redispatch, a 5xx.
  log global
  option httplog
  option dontlog-normal
  timeout connect 1s
  timeout client 30s
  timeout server 30s
  # Else a check times out after "inter": an instance that alone carries the load on a busy machine
  # answers a check in more than 200 ms now and then, and one failed check would take it out too.
  timeout check 2s
  # Connection failures only (retry-on's default): a request the instance may have read is never sent twice.
  ${retry ? 'retries 3\n  option redispatch 1' : 'retries 0\n  no option redispatch'}

frontend web
  bind 127.0.0.1:${port}
  default_backend fleet

backend fleet
  balance roundrobin
  # HAProxy's defaults, said out loud: keep-alive to the instances ("option http-keep-alive"), and
  # idle connections shared between client sessions ("http-reuse safe"). That is how it runs in
  # production, and it is the harder case for a drain: requests arrive on connections opened
  # long before the trigger, not only on new ones that a closed listener would refuse.
  option http-keep-alive
  http-reuse safe
  option httpchk GET /ready
  http-check expect status 200
  default-server check inter ${checkEvery} fall 1 rise 1
  ${backends.map((backend, i) => `server i${i} 127.0.0.1:${backend}`).join('\n  ')}
`;
}

/** Starts HAProxy in the foreground (`-db`) on a free loopback port, with a config it writes to a temp dir. */
export async function startHaproxy(options: HaproxyOptions): Promise<Haproxy> {
  const dir = mkdtempSync(join(tmpdir(), 'lastcall-haproxy-'));
  const port = await freePort();
  const config = configFor(dir, port, options);
  writeFileSync(join(dir, 'haproxy.cfg'), config);
  const child = spawn(HAPROXY, ['-db', '-f', join(dir, 'haproxy.cfg')], { stdio: 'pipe' });
  running.add(child);
  const exited = new Promise<void>((resolve) => child.on('close', () => resolve()));
  child.on('error', () => {}); // a missing binary also ends in 'close', and the wait below reports it
  void exited.then(() => {
    running.delete(child);
    rmSync(dir, { recursive: true, force: true });
  });

  let stderr = '';
  let log = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (log += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));

  const stats = (command: string): Promise<string> =>
    new Promise((resolve, reject) => {
      let answer = '';
      const socket = connect(join(dir, 'admin.sock'));
      socket.setTimeout(2_000, () => socket.destroy(new Error(`haproxy's stats socket did not answer ${JSON.stringify(command)} within 2 s`)));
      socket.setEncoding('utf8').on('data', (chunk: string) => (answer += chunk));
      socket.on('end', () => resolve(answer));
      socket.on('error', reject);
      socket.end(`${command}\n`);
    });

  // `show servers state` columns: be_id be_name srv_id srv_name srv_addr srv_op_state ...; 2 is running.
  const serversUp = async (): Promise<boolean[]> => {
    const up: boolean[] = [];
    for (const line of (await stats('show servers state fleet')).split('\n')) {
      const fields = line.split(' ');
      const name = /^i(\d+)$/.exec(fields[3] ?? '');
      if (name) up[Number(name[1])] = fields[5] === '2';
    }
    return up;
  };

  const haproxy: Haproxy = {
    port,
    config,
    stderr: () => stderr,
    log: () => log,
    serversUp,
    async waitUntilUp(server, within = 10_000) {
      const end = performance.now() + within;
      while (performance.now() < end) {
        if ((await serversUp())[server]) return;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      throw new Error(`haproxy did not send to i${server} within ${within} ms\n${stderr.slice(-2000)}`);
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(killer);
    },
  };

  // Up once the stats socket answers: by then the frontend listens and the first checks are scheduled.
  for (let attempt = 0; ; attempt++) {
    if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) {
      throw new Error(`haproxy (${HAPROXY}) did not start\n${stderr}`);
    }
    try {
      await serversUp();
      return haproxy;
    } catch (error) {
      if (attempt >= 100) {
        await haproxy.stop();
        throw new Error(`haproxy's stats socket did not answer within 2 s: ${String(error)}\n${stderr}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}
