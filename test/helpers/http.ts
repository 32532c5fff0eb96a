import { Agent, request } from 'node:http';
import type { Fixture } from './fixture.js';

/** The port a fixture server printed as `listening:<port>`. */
export async function portOf(fixture: Fixture): Promise<number> {
  await fixture.waitFor('listening:');
  return Number(/listening:(\d+)/.exec(fixture.stdout())![1]);
}

export interface Answer {
  readonly status: number;
  readonly connection: string | undefined;
  readonly body: string;
  /** performance.now() when the whole body had arrived. */
  readonly at: number;
}

/**
 * One GET over loopback; rejects with the socket error: its `code` tells ECONNRESET from
 * ECONNREFUSED, and `reusedSocket` whether it was sent on a reused keep-alive socket.
 */
export function get(port: number, path: string, options: { agent?: Agent; id?: string } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, path, agent: options.agent ?? false, headers: options.id === undefined ? {} : { 'x-id': options.id } },
      (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode!, connection: res.headers.connection, body, at: performance.now() }));
        res.on('error', reject);
      },
    );
    // Whether the request went out on a reused keep-alive socket tells the two kinds of reset apart.
    req.on('error', (error: NodeJS.ErrnoException & { reusedSocket?: boolean }) => reject(Object.assign(error, { reusedSocket: req.reusedSocket })));
    req.end();
  });
}

/** The JSON a fixture printed as `report:{...}`. */
export function reportOf(stdout: string): { outcome: string; exitCode: number; servers: { idleClosed: number; finished: number; destroyed: number; upgraded: number }[] } {
  const line = stdout.split('\n').find((each) => each.startsWith('report:'));
  if (line === undefined) throw new Error(`no report in:\n${stdout.slice(-2000)}`);
  return JSON.parse(line.slice('report:'.length));
}

/** Repeats `attempt` until `done` says so, 50 times at most, 10 ms apart: bounded, and each answer awaited. */
export async function until<T>(attempt: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  let last!: T;
  for (let i = 0; i < 50; i++) {
    last = await attempt();
    if (done(last)) return last;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return last;
}
