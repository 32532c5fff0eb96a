import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll } from 'vitest';

export interface Ended {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly output: string;
  /** performance.now() when the process ended. */
  readonly at: number;
}

export interface Service {
  readonly pid: number;
  /** With `seenRequests`: the `x-load-id` of every request the server has read. */
  readonly seen: ReadonlySet<string>;
  /** stdout and stderr as they arrived, interleaved. */
  output(): string;
  /** Resolves once `text` has appeared in the output; rejects, showing the output, after `within` ms or at the exit. */
  waitFor(text: string | RegExp, within?: number): Promise<void>;
  /** A real signal, sent by pid; returns performance.now() at the send. */
  kill(signal: NodeJS.Signals): number;
  /** Resolves when the process has ended; rejects (and kills it) if it still runs after `within` ms. */
  ended(within?: number): Promise<Ended>;
}

const running = new Set<ChildProcessWithoutNullStreams>();
afterAll(() => {
  for (const child of running) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

const dist = fileURLToPath(new URL('../../dist/services/', import.meta.url));

const seenRequests = fileURLToPath(new URL('./seen-requests.cjs', import.meta.url));

/**
 * Runs the compiled recipe `dist/services/<name>.js` with `node`, as a user would, with `env`
 * added. `seenRequests` preloads a listener that reports, on fd 3, each request the server reads.
 */
export function startService(name: string, env: Record<string, string>, { seenRequests: preload = false } = {}): Service {
  const args = preload ? ['--require', seenRequests, `${dist}${name}.js`] : [`${dist}${name}.js`];
  const child = spawn(process.execPath, args, { env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe', preload ? 'pipe' : 'ignore'] }) as ChildProcessWithoutNullStreams;
  running.add(child);
  const seen = new Set<string>();
  let partial = '';
  (child.stdio[3] as NodeJS.ReadableStream | null)?.setEncoding('utf8').on('data', (chunk: string) => {
    const lines = (partial + chunk).split('\n');
    partial = lines.pop()!;
    for (const line of lines) seen.add(line);
  });
  let output = '';
  const watchers = new Set<() => void>();
  const append = (chunk: string): void => {
    output += chunk;
    for (const watcher of watchers) watcher();
  };
  child.stdout.setEncoding('utf8').on('data', append);
  child.stderr.setEncoding('utf8').on('data', append);
  const ended = new Promise<Ended>((resolve) =>
    child.on('close', (code, signal) => {
      running.delete(child);
      resolve({ code, signal, output, at: performance.now() });
    }),
  );
  const show = (): string => `\n--- output of ${name} ---\n${output.slice(-6000)}`;
  const matches = (text: string | RegExp): boolean => (typeof text === 'string' ? output.includes(text) : text.test(output));
  return {
    pid: child.pid!,
    seen,
    output: () => output,
    waitFor: (text, within = 15_000) =>
      new Promise((resolve, reject) => {
        const done = (error?: Error): void => {
          clearTimeout(timer);
          watchers.delete(check);
          if (error === undefined) resolve();
          else reject(error);
        };
        const check = (): void => void (matches(text) && done());
        const timer = setTimeout(() => done(new Error(`${name} did not print ${String(text)} within ${within} ms${show()}`)), within);
        watchers.add(check);
        void ended.then(() => matches(text) || done(new Error(`${name} ended before printing ${String(text)}${show()}`)));
        check();
      }),
    kill: (signal) => {
      process.kill(child.pid!, signal);
      return performance.now();
    },
    ended: (within = 20_000) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          child.kill('SIGKILL');
          reject(new Error(`${name} still running after ${within} ms${show()}`));
        }, within);
        void ended.then((result) => {
          clearTimeout(timer);
          resolve(result);
        });
      }),
  };
}

/**
 * A port nothing listens on right now, on loopback, below the kernel's ephemeral range (32768 and
 * up on Linux): a port the kernel hands out for port 0 can be taken as the local port of any
 * client connection before the service binds it. Tries random ones, 50 at most.
 */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    const free = await new Promise<boolean>((resolve) => {
      const server = createServer();
      server.once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
    });
    if (free) return port;
  }
  throw new Error('no free port between 20000 and 32000 in 50 tries');
}

/** The lines lastcall logged (console logger: they start with `lastcall: `). */
export function lastcallLines(output: string): string[] {
  return output.split('\n').filter((line) => line.startsWith('lastcall: '));
}
