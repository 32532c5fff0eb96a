// Scenario 7: what attaching lastcall costs a running server (autocannon on loopback), and the
// in-process microbenchmarks (micro/track.mjs, in a child with --expose-gc).
import { execFile, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { get } from 'node:http';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { startServer, within } from './child.mjs';

function cannon(port, duration, connections) {
  return autocannon({ url: `http://127.0.0.1:${port}/`, connections, duration, pipelining: 1 });
}

function cpuOf(port) {
  return new Promise((resolve, reject) => {
    get({ host: '127.0.0.1', port, path: '/cpu', agent: false }, (res) => {
      let body = '';
      res.on('data', (chunk) => (body += chunk));
      res.on('end', () => resolve(Number(body)));
    }).on('error', reject);
  });
}

/** One measured autocannon run against a fresh server, after a warm-up that is not counted. */
export async function throughput(attach, config) {
  const server = await startServer('overhead', { BENCH_ATTACH: attach, BENCH_AWAITS: String(config.awaits ?? 0) }, { cpu: config.pin ? 1 : undefined });
  try {
    if (config.warmup > 0) await cannon(server.port, config.warmup, config.cannonConnections);
    const cpuBefore = await cpuOf(server.port);
    const result = await cannon(server.port, config.cannonDuration, config.cannonConnections);
    const cpuAfter = await cpuOf(server.port);
    return {
      attach,
      requests: result.requests.total,
      requestsPerSecond: result.requests.average,
      cpuMicrosPerRequest: (cpuAfter - cpuBefore) / result.requests.total,
      latencyP99: result.latency.p99,
      latencyP50: result.latency.p50,
      latencyMean: result.latency.average,
      errors: result.errors + result.timeouts,
      non2xx: result.non2xx,
    };
  } finally {
    await server.kill();
  }
}

const microPath = fileURLToPath(new URL('../micro/track.mjs', import.meta.url));
const overheadServer = fileURLToPath(new URL('../servers/overhead.mjs', import.meta.url));

export function micro(config) {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--expose-gc', '--no-warnings', microPath],
      { env: { ...process.env, BENCH_MICRO_N: String(config.microN), BENCH_MICRO_REPS: String(config.microReps) }, timeout: 300_000, maxBuffer: 10 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`micro/track.mjs failed: ${error.message}\n${stderr}`));
        else resolve(JSON.parse(stdout));
      },
    );
  });
}

/** True when valgrind's callgrind and callgrind_control are on the PATH. */
export function haveCallgrind() {
  try {
    execFileSync('valgrind', ['--version'], { stdio: 'ignore' });
    execFileSync('callgrind_control', ['--help'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * Instructions per request, counted by valgrind's callgrind (repeatable whatever else the
 * machine does): a fresh server under callgrind, `warm` requests to let the JIT settle, the
 * counters zeroed, `amount` requests measured, the counters dumped.
 */
export async function instructions(attach, { warm, amount, connections }) {
  const dir = mkdtempSync(join(tmpdir(), 'lastcall-bench-callgrind-'));
  const child = spawn(
    'valgrind',
    // --single-threaded: no background compilation or GC threads, whose interleaving under
    // valgrind would make the count vary from run to run.
    ['--tool=callgrind', `--callgrind-out-file=${join(dir, 'callgrind.out')}`, '--smc-check=all-non-file', process.execPath, '--single-threaded', overheadServer],
    { stdio: ['ignore', 'ignore', 'ignore', 'pipe'], env: { ...process.env, BENCH_ATTACH: attach } },
  );
  const exited = new Promise((resolve) => child.once('exit', resolve));
  try {
    const port = await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('the server under callgrind did not start within 120 s')), 120_000);
      let seen = '';
      child.stdio[3].on('data', (chunk) => {
        seen += chunk;
        const match = /READY (\d+)/.exec(seen);
        if (match) {
          clearTimeout(timer);
          resolve(Number(match[1]));
        }
      });
    });
    await autocannon({ url: `http://127.0.0.1:${port}/`, connections, amount: warm, timeout: 60 });
    execFileSync('callgrind_control', ['--zero', String(child.pid)], { stdio: 'ignore', timeout: 60_000 });
    const result = await autocannon({ url: `http://127.0.0.1:${port}/`, connections, amount, timeout: 60 });
    execFileSync('callgrind_control', ['--dump=measured', String(child.pid)], { stdio: 'ignore', timeout: 60_000 });
    child.kill('SIGTERM');
    await within(exited, 60_000, undefined);
    let measured;
    for (const file of readdirSync(dir)) {
      const text = readFileSync(join(dir, file), 'utf8');
      if (text.includes('measured')) measured = Number(/^(?:summary|totals): (\d+)/m.exec(text)?.[1]);
    }
    const answered = result['2xx'];
    return { attach, requests: answered, instructions: measured, perRequest: measured / answered };
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
}
