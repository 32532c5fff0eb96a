import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll } from 'vitest';
import { onNode, runtime } from './runtime.js';

/** How a fixture process ended, with everything it wrote. */
export interface Ended {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  /** performance.now() when the process ended. */
  readonly at: number;
}

export interface Fixture {
  readonly child: ChildProcessWithoutNullStreams;
  /** Resolves once `text` has appeared on stdout; rejects (showing the output) after `within` ms. */
  waitFor(text: string, within?: number): Promise<void>;
  /** Sends a real signal to the process, by its pid. */
  kill(signal: NodeJS.Signals): void;
  /** Resolves when the process has ended; rejects if it is still running after `within` ms. */
  ended(within?: number): Promise<Ended>;
  readonly stdout: () => string;
  readonly stderr: () => string;
}

const running = new Set<Fixture>();

// Tests of one file run concurrently, so a fixture is ended when a wait on it fails, and
// whatever a failed test left is ended with its file: only processes we started, by pid.
afterAll(() => {
  for (const fixture of running) stop(fixture.child);
  running.clear();
});

const groupLeaders = new WeakSet<ChildProcessWithoutNullStreams>();

function stop(child: ChildProcessWithoutNullStreams): void {
  if (child.exitCode !== null || child.signalCode !== null) return;
  // A detached fixture leads its own process group (a cluster primary and its workers): end it all.
  if (groupLeaders.has(child)) process.kill(-child.pid!, 'SIGKILL');
  else child.kill('SIGKILL');
}

/**
 * Runs `test/fixtures/<name>` as a real child process with piped output, under the runtime
 * LASTCALL_RUNTIME selects (the runner's own node by default). `execArgv` are Node's flags.
 */
export function startFixture(
  name: string,
  args: readonly string[] = [],
  env: Record<string, string> = {},
  execArgv: readonly string[] = [],
  { detached = false }: { detached?: boolean } = {},
): Fixture {
  const file = fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url));
  // Node's flags mean something else, or nothing, to another runtime: such a test is Node's alone.
  if (execArgv.length > 0 && !onNode) throw new Error(`fixture ${name}: Node flags ${execArgv.join(' ')} under ${runtime.name}`);
  // detached: a process group of its own, so a test can signal the whole group as a terminal's Ctrl-C does.
  const child = spawn(runtime.command, [...runtime.args, ...execArgv, file, ...args], { env: { ...process.env, ...env }, stdio: 'pipe', detached });
  if (detached) groupLeaders.add(child);
  let stdout = '';
  let stderr = '';
  const watchers = new Set<() => void>();
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
    for (const watcher of watchers) watcher();
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  // A runtime not on PATH: the process never starts, and 'close' follows; the reason goes in the output.
  child.on('error', (error) => (stderr += `spawn ${runtime.command}: ${error.message}\n`));
  const ended = new Promise<Ended>((resolve) => {
    child.on('close', (code, signal) => {
      running.delete(fixture);
      resolve({ code, signal, stdout, stderr, at: performance.now() });
    });
  });
  const describe = (): string => `\n--- stdout ---\n${stdout.slice(-4000)}\n--- stderr ---\n${stderr.slice(-4000)}`;

  const fixture: Fixture = {
    child,
    stdout: () => stdout,
    stderr: () => stderr,
    waitFor: (text, within = 10_000) =>
      new Promise((resolve, reject) => {
        const check = (): void => {
          if (!stdout.includes(text)) return;
          clearTimeout(timer);
          watchers.delete(check);
          resolve();
        };
        const timer = setTimeout(() => {
          watchers.delete(check);
          stop(child);
          reject(new Error(`fixture ${name} did not print ${JSON.stringify(text)} within ${within} ms${describe()}`));
        }, within);
        watchers.add(check);
        void ended.then(() => {
          if (stdout.includes(text)) return;
          clearTimeout(timer);
          watchers.delete(check);
          reject(new Error(`fixture ${name} ended before printing ${JSON.stringify(text)}${describe()}`));
        });
        check();
      }),
    kill: (signal) => process.kill(child.pid!, signal),
    ended: (within = 15_000) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          stop(child);
          reject(new Error(`fixture ${name} still running after ${within} ms${describe()}`));
        }, within);
        void ended.then((result) => {
          clearTimeout(timer);
          resolve(result);
        });
      }),
  };
  running.add(fixture);
  return fixture;
}

/** The lines of `output` that start with `prefix`, without it, in order. */
export function linesStartingWith(output: string, prefix: string): string[] {
  return output
    .split('\n')
    .filter((line) => line.startsWith(prefix))
    .map((line) => line.slice(prefix.length));
}
