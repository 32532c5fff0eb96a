// Starts one implementation's server as a fresh child process and watches it: control lines
// on fd 3, the log on stdout, the exit. Every wait is bounded.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const serversDir = fileURLToPath(new URL('../servers/', import.meta.url));

export const IMPLEMENTATIONS = ['naive', 'careful', 'terminus', 'http-terminator', 'stoppable', 'close-with-grace', 'lightship', 'lastcall'];

export const LABELS = {
  naive: 'naive hand-written',
  careful: 'careful hand-written',
  terminus: '@godaddy/terminus',
  'http-terminator': 'http-terminator',
  stoppable: 'stoppable',
  'close-with-grace': 'close-with-grace',
  lightship: 'lightship',
  lastcall: 'lastcall',
};

// Every child still running when the orchestrator ends is killed, so none outlives a crash.
const live = new Set();
process.on('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

/** The handle of the server started last, for looking into a run from a script. */
export let lastServer;

/** Resolves `promise`, or with `fallback` after `ms`. */
export function within(promise, ms, fallback) {
  let timer;
  return Promise.race([promise, new Promise((resolve) => (timer = setTimeout(() => resolve(fallback), ms)))]).finally(() => clearTimeout(timer));
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Spawns servers/<impl>.mjs. Returns a handle with `port`, the control lines seen so far,
 * `waitFor(prefix, count, ms)`, `terminate()` (SIGTERM, then the exit or a SIGKILL at `maxExitMs`)
 * and the bytes of `LOG ` lines read from stdout.
 */
export async function startServer(impl, env, { readyMs = 15_000, cpu } = {}) {
  // BENCH_NODE_ARGS: extra node flags for the servers, e.g. --cpu-prof, when looking into a result.
  const nodeArgs = process.env.BENCH_NODE_ARGS ? process.env.BENCH_NODE_ARGS.split(' ') : [];
  // `cpu`: pin the server to one core (taskset execs node, so the pid is node's).
  const command = cpu === undefined ? [process.execPath] : ['taskset', '-c', String(cpu), process.execPath];
  const child = spawn(command[0], [...command.slice(1), ...nodeArgs, `${serversDir}${impl}.mjs`], {
    stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
    env: { ...process.env, ...env, ROARR_LOG: 'false' },
  });
  live.add(child);
  child.once('exit', () => live.delete(child));
  const handle = {
    child,
    port: undefined,
    lines: [],
    counts: new Map(),
    logLines: 0,
    stderr: '',
    exit: undefined,
    listeners: new Set(),
  };
  const exited = new Promise((resolve) => {
    child.once('exit', (code, signal) => {
      handle.exit = { code, signal, at: performance.now() };
      resolve(handle.exit);
    });
  });
  const streamEnd = (stream) => new Promise((resolve) => stream.once('close', resolve));
  const closed = Promise.all([exited, streamEnd(child.stdout), streamEnd(child.stdio[3]), streamEnd(child.stderr)]);

  let partial = '';
  child.stdio[3].setEncoding('latin1');
  child.stdio[3].on('data', (chunk) => {
    const parts = (partial + chunk).split('\n');
    partial = parts.pop();
    const at = performance.now();
    for (const line of parts) {
      const space = line.indexOf(' ');
      const kind = space === -1 ? line : line.slice(0, space);
      handle.lines.push({ kind, value: space === -1 ? '' : line.slice(space + 1), at });
      handle.counts.set(kind, (handle.counts.get(kind) ?? 0) + 1);
    }
    for (const listener of handle.listeners) listener();
  });
  // The log: count whole `LOG ` lines (1 KiB each); lastcall's own log lines are not counted.
  let outPartial = '';
  child.stdout.setEncoding('latin1');
  child.stdout.on('data', (chunk) => {
    const parts = (outPartial + chunk).split('\n');
    outPartial = parts.pop();
    for (const line of parts) if (line.startsWith('LOG ')) handle.logLines++;
  });
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk) => {
    if (handle.stderr.length < 20_000) handle.stderr += chunk;
  });

  lastServer = handle;
  handle.waitFor = (kind, count = 1, ms = 10_000) =>
    within(
      new Promise((resolve) => {
        const check = () => {
          if ((handle.counts.get(kind) ?? 0) >= count || handle.exit !== undefined) {
            handle.listeners.delete(check);
            resolve((handle.counts.get(kind) ?? 0) >= count);
          }
        };
        handle.listeners.add(check);
        check();
      }),
      ms,
      false,
    );

  /** Sends SIGTERM; resolves with ms to exit, the code, and whether it had to be killed. */
  handle.terminate = async (maxExitMs) => {
    const sentAt = performance.now();
    child.kill('SIGTERM');
    const exit = await within(exited, maxExitMs, undefined);
    if (exit === undefined) {
      child.kill('SIGKILL');
      await within(exited, 5_000, undefined);
      await within(closed, 2_000, undefined);
      return { sentAt, ms: null, code: null, signal: null, killed: true };
    }
    await within(closed, 5_000, undefined);
    return { sentAt, ms: exit.at - sentAt, code: exit.code, signal: exit.signal, killed: false };
  };

  handle.kill = async () => {
    if (handle.exit === undefined) child.kill('SIGKILL');
    await within(closed, 5_000, undefined);
  };

  const ready = await handle.waitFor('READY', 1, readyMs);
  if (!ready) {
    await handle.kill();
    throw new Error(`${impl} did not start: ${handle.stderr.slice(0, 2_000)}`);
  }
  handle.port = Number(handle.lines.find((line) => line.kind === 'READY').value);
  return handle;
}

/** What ended the process, as a shell would show it. */
export function exitCodeOf(result) {
  if (result.killed) return 'none';
  if (result.signal) return `${result.signal} (${128 + signalNumber(result.signal)})`;
  return String(result.code);
}

function signalNumber(signal) {
  return { SIGTERM: 15, SIGINT: 2, SIGKILL: 9, SIGHUP: 1 }[signal] ?? 0;
}
