// The shutdown scenarios. Each function runs one implementation once, in a fresh child process,
// and returns what it measured. Clients run in this process and talk to 127.0.0.1 only.
import { Agent, request } from 'node:http';
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { exitCodeOf, sleep, startServer, within } from './child.mjs';

const LOG_BYTES = 5 * 1024 * 1024;
const LOG_LINE = 1024;

/** How long after the budget a process that has not ended is given before it is killed. */
const grace = (config) => config.budget + config.killAfter;

// ---- the client process (idle connections, load) ----

const clientPath = fileURLToPath(new URL('./client.mjs', import.meta.url));

/** Forks lib/client.mjs; `ask(message, type, ms)` sends a command and waits for its answer. */
function forkClient() {
  const child = fork(clientPath, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const waiting = new Map();
  child.on('message', (message) => {
    const resolve = waiting.get(message.type);
    waiting.delete(message.type);
    resolve?.(message);
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  return {
    ask(message, type, ms) {
      const answer = new Promise((resolve) => waiting.set(type, resolve));
      child.send(message);
      return within(answer, ms, undefined);
    },
    get alive() {
      return child.exitCode === null && child.signalCode === null && child.connected;
    },
    async close() {
      if (child.exitCode === null && child.signalCode === null) {
        if (child.connected) child.disconnect();
        if ((await within(exited, 5_000, 'timeout')) === 'timeout') child.kill('SIGKILL');
      }
    },
  };
}

let shared;

/** The client process, forked once and reused by every run (a fork costs ~50 ms a run). */
function startClient() {
  if (shared === undefined || !shared.alive) shared = forkClient();
  return shared;
}

/** Ends the shared client process; call once every scenario has run. */
export async function closeClient() {
  await shared?.close();
  shared = undefined;
}

// ---- 1. idle keep-alive connections ----

export async function idle(impl, config, n) {
  const server = await startServer(impl, { BENCH_SCENARIO: 'idle', BENCH_BUDGET: String(config.budget) });
  const client = startClient();
  let stoppedCleanly = false;
  try {
    const opened = await client.ask({ cmd: 'idle', port: server.port, n }, 'opened', 30_000);
    if (opened === undefined) throw new Error(`${impl}: ${n} connections did not open within 30 s`);
    // Every connection idle for longer than 150 ms (lastcall's 100 ms grace does not apply).
    await sleep(config.idleWait);
    const status = await client.ask({ cmd: 'status' }, 'status', 5_000);
    const result = await server.terminate(grace(config));
    const stopped = await client.ask({ cmd: 'stop' }, 'stopped', 15_000);
    stoppedCleanly = stopped !== undefined;
    return {
      ms: result.ms,
      code: exitCodeOf(result),
      killed: result.killed,
      connections: n,
      answered: opened.answered,
      openAtSignal: status?.open ?? null,
      resets: stopped?.resets ?? null,
      setupMs: Math.round(opened.setupMs),
    };
  } finally {
    if (!stoppedCleanly && client.alive) await client.ask({ cmd: 'stop' }, 'stopped', 15_000);
    await server.kill();
  }
}

// ---- shared HTTP client with keep-alive ----

function get(agent, port, path, timeoutMs) {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path, agent }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => (body += chunk));
      res.on('end', () => resolve({ ok: res.statusCode === 200 && body.endsWith('ok\n'), status: res.statusCode, connection: res.headers.connection }));
      res.on('error', (error) => resolve({ ok: false, error: error.code ?? error.message }));
    });
    req.setTimeout(timeoutMs, () => req.destroy(Object.assign(new Error('client timeout'), { code: 'CLIENT_TIMEOUT' })));
    req.on('error', (error) => resolve({ ok: false, error: error.code ?? error.message }));
    req.end();
  });
}

// ---- 2. slow requests in flight at SIGTERM ----

export async function inflight(impl, config) {
  const server = await startServer(impl, { BENCH_SCENARIO: 'inflight', BENCH_BUDGET: String(config.budget) });
  const agent = new Agent({ keepAlive: true, maxSockets: config.inflightCount });
  try {
    const responses = Array.from({ length: config.inflightCount }, (_, i) =>
      get(agent, server.port, `/slow?id=${i}&ms=${config.slowMs}`, config.budget + config.killAfter + 5_000),
    );
    const arrived = await server.waitFor('REQ', config.inflightCount, 10_000);
    if (!arrived) throw new Error(`${impl}: the slow requests did not all arrive`);
    const lastArrival = Math.max(...server.lines.filter((line) => line.kind === 'REQ').map((line) => line.at));
    await sleep(config.inflightSignalAfter);
    const result = await server.terminate(grace(config));
    // The physical limit: the last request's own remaining time at the signal.
    const limit = lastArrival + config.slowMs - result.sentAt;
    const settled = await within(Promise.all(responses), 10_000, []);
    const ok = settled.filter((response) => response.ok).length;
    const closeHeaders = settled.filter((response) => response.connection === 'close').length;
    return {
      ms: result.ms,
      code: exitCodeOf(result),
      killed: result.killed,
      succeeded: ok,
      of: config.inflightCount,
      limitMs: limit,
      overLimitMs: result.ms === null ? null : result.ms - limit,
      connectionClose: closeHeaders,
      errors: summarize(settled.filter((response) => !response.ok).map((response) => response.error ?? `status ${response.status}`)),
    };
  } finally {
    agent.destroy();
    await server.kill();
  }
}

function summarize(errors) {
  const counts = {};
  for (const error of errors) counts[error] = (counts[error] ?? 0) + 1;
  return counts;
}

// ---- 3. a closed loop of keep-alive clients during the shutdown ----

export async function load(impl, config) {
  const server = await startServer(impl, { BENCH_SCENARIO: 'load', BENCH_BUDGET: String(config.budget) });
  const client = startClient();
  let stoppedCleanly = false;
  try {
    await client.ask({ cmd: 'load', port: server.port, connections: config.loadConnections }, 'loading', 5_000);
    await sleep(config.loadBefore);
    await client.ask({ cmd: 'mark' }, 'marked', 5_000);
    const result = await server.terminate(grace(config));
    // Keep the loop running a little after the exit: late failures count too.
    await sleep(50);
    const stopped = await client.ask({ cmd: 'stop' }, 'stopped', 15_000);
    stoppedCleanly = stopped !== undefined;
    if (stopped === undefined) throw new Error(`${impl}: the load client did not stop`);
    const accepted = new Set(server.lines.filter((line) => line.kind === 'REQ').map((line) => line.value));
    const acceptedFailed = stopped.failures.filter((failure) => accepted.has(failure.id));
    const otherFailures = stopped.failures.filter((failure) => !accepted.has(failure.id));
    return {
      ms: result.ms,
      code: exitCodeOf(result),
      killed: result.killed,
      answeredBefore: stopped.answeredBefore,
      answeredAfter: stopped.answeredAfter,
      acceptedFailed: acceptedFailed.length,
      acceptedFailedErrors: summarize(acceptedFailed.map((failure) => failure.error)),
      resetBeforeAccepted: otherFailures.length,
      resetErrors: summarize(otherFailures.map((failure) => failure.error)),
      refused: stopped.refused,
    };
  } finally {
    if (!stoppedCleanly && client.alive) await client.ask({ cmd: 'stop' }, 'stopped', 15_000);
    await server.kill();
  }
}

// ---- 4. jobs and messages in flight ----

export async function jobs(impl, config) {
  const server = await startServer(impl, {
    BENCH_SCENARIO: 'jobs',
    BENCH_BUDGET: String(config.budget),
    BENCH_JOB_LONG: String(config.jobLong),
    BENCH_JOB_SHORT: String(config.jobShort),
  });
  try {
    await sleep(config.jobsBefore);
    const result = await server.terminate(grace(config));
    const ids = (kind) => new Set(server.lines.filter((line) => line.kind === kind).map((line) => line.value));
    const started = ids('START');
    const acked = ids('ACK');
    const nacked = ids('NACK');
    const lost = [...started].filter((id) => !acked.has(id) && !nacked.has(id));
    const startedAfter = server.lines.filter((line) => line.kind === 'START' && line.at > result.sentAt).length;
    return {
      ms: result.ms,
      code: exitCodeOf(result),
      killed: result.killed,
      started: started.size,
      startedAfterSignal: startedAfter,
      finished: acked.size,
      handedBack: nacked.size,
      lost: lost.length,
    };
  } finally {
    await server.kill();
  }
}

// ---- 5. a 5 MiB log written during the shutdown, and 6. a cleanup step that never returns ----

/** Starts the app in `scenario`, sends SIGTERM 50 ms later, and measures the exit plus `measure(server, result)`. */
async function signalled(impl, scenario, config, measure) {
  const server = await startServer(impl, { BENCH_SCENARIO: scenario, BENCH_BUDGET: String(config.budget) });
  try {
    await sleep(50);
    const result = await server.terminate(grace(config));
    return { ms: result.ms, code: exitCodeOf(result), killed: result.killed, ...measure(server, result) };
  } finally {
    await server.kill();
  }
}

export function log(impl, config) {
  return signalled(impl, 'log', config, (server) => {
    const bytes = server.logLines * LOG_LINE;
    return { bytes, percent: (100 * bytes) / LOG_BYTES };
  });
}

export function hung(impl, config) {
  return signalled(impl, 'hung', config, (server, result) => ({
    budget: config.budget,
    overBudgetMs: result.ms === null ? null : result.ms - config.budget,
  }));
}
