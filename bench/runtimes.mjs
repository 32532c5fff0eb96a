// The core scenarios on each runtime given, with the test fixtures and ../dist: idle keep-alive,
// requests in flight, a closed loop with no reset, a piped log, a second signal, an uncaught
// error, a hung hook (docs/runtimes.md has the table):
//   node bench/runtimes.mjs node=$(which node) bun=/path/to/bun deno=/path/to/deno [rounds=5]
// Every fixture is a real process getting real signals on 127.0.0.1; every wait is bounded.
// Prints one Markdown row per runtime. Build first (npm run build).
import { execFileSync, spawn } from 'node:child_process';
import { Agent, request } from 'node:http';
import { fileURLToPath } from 'node:url';
import { sleep } from './lib/child.mjs';

const fixtures = fileURLToPath(new URL('../test/fixtures/', import.meta.url));
const args = Object.fromEntries(process.argv.slice(2).map((arg) => arg.split('=')));
const rounds = Number(args.rounds ?? 5);
delete args.rounds;

function start(runtime, bin, name, argv = [], env = {}) {
  const command = runtime === 'deno' ? [bin, 'run', '-A'] : [bin];
  const child = spawn(command[0], [...command.slice(1), fixtures + name, ...argv], { stdio: 'pipe', env: { ...process.env, ...env } });
  const state = { child, stdout: '', stderr: '', bytes: 0 };
  child.stdout.on('data', (chunk) => {
    state.bytes += chunk.length;
    if (state.bytes < 1_000_000) state.stdout += chunk;
  });
  child.stderr.on('data', (chunk) => (state.stderr += chunk));
  state.ended = new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal, at: performance.now() })));
  const kill = setTimeout(() => child.kill('SIGKILL'), 20_000);
  void state.ended.then(() => clearTimeout(kill));
  state.waitFor = async (text, within = 10_000) => {
    for (const end = performance.now() + within; performance.now() < end; await sleep(2)) if (state.stdout.includes(text)) return;
    throw new Error(`${name} under ${runtime}: no ${JSON.stringify(text)} within ${within} ms\n${state.stdout.slice(-500)}\n${state.stderr.slice(-500)}`);
  };
  return state;
}

function get(port, path, agent, id) {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent, headers: { 'x-id': id } }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode, connection: res.headers.connection, at: performance.now() }));
    });
    req.on('error', (error) => reject(Object.assign(error, { reused: req.reusedSocket })));
    req.end();
  });
}

const portOf = async (server) => {
  await server.waitFor('listening:');
  return Number(/listening:(\d+)/.exec(server.stdout)[1]);
};
const reportOf = (server) => JSON.parse(server.stdout.split('\n').find((line) => line.startsWith('report:')).slice(7));

async function idle(runtime, bin) {
  const server = start(runtime, bin, 'http-server.mjs');
  const port = await portOf(server);
  const agent = new Agent({ keepAlive: true, maxSockets: 50 });
  await Promise.all(Array.from({ length: 50 }, (_, i) => get(port, '/', agent, `idle-${i}`)));
  await sleep(150); // idle for longer than the 100 ms grace a just-idle socket gets
  const sent = performance.now();
  server.child.kill('SIGTERM');
  const { code, at } = await server.ended;
  agent.destroy();
  return `exit ${code} in ${Math.round(at - sent)} ms, idleClosed ${reportOf(server).servers[0].idleClosed}/50`;
}

async function inflight(runtime, bin) {
  const server = start(runtime, bin, 'http-server.mjs');
  const port = await portOf(server);
  const agent = new Agent({ keepAlive: true, maxSockets: 20 });
  const answers = Array.from({ length: 20 }, (_, i) => get(port, '/slow?ms=1500', agent, `slow-${i}`).catch((error) => ({ error })));
  await server.waitFor('got:slow-19');
  server.child.kill('SIGTERM');
  const done = await Promise.all(answers);
  const { code, at } = await server.ended;
  agent.destroy();
  const closed = done.filter((answer) => answer.status === 200 && answer.connection === 'close').length;
  const last = Math.max(...done.map((answer) => answer.at ?? 0));
  return `${closed}/20 200 + close, exit ${code} ${Math.round(at - last)} ms after the last`;
}

async function load(runtime, bin) {
  const totals = { accepted: 0, lost: 0, reusedReset: 0, newReset: 0, refused: 0, other: 0, nonZero: 0 };
  for (let round = 0; round < rounds; round++) {
    const server = start(runtime, bin, 'http-server.mjs');
    const port = await portOf(server);
    let stopped = false;
    const failed = new Map();
    const answered = new Set();
    const clients = Array.from({ length: 16 }, async (_, c) => {
      const agent = new Agent({ keepAlive: true, maxSockets: 1 });
      for (let i = 0; i < 2_000 && !stopped; i++) {
        try {
          await get(port, '/', agent, `w${c}-${i}`);
          answered.add(`w${c}-${i}`);
        } catch (error) {
          failed.set(`w${c}-${i}`, error.code === 'ECONNRESET' ? (error.reused ? 'reusedReset' : 'newReset') : error.code === 'ECONNREFUSED' ? 'refused' : 'other');
          if (error.code === 'ECONNREFUSED') break;
        }
      }
      agent.destroy();
    });
    for (let c = 0; c < 16; c++) await server.waitFor(`got:w${c}-3\n`);
    server.child.kill('SIGTERM');
    const { code } = await server.ended;
    stopped = true;
    await Promise.all(clients);
    const accepted = server.stdout.split('\n').filter((line) => line.startsWith('got:')).map((line) => line.slice(4));
    totals.accepted += accepted.length;
    totals.lost += accepted.filter((id) => !answered.has(id)).length;
    const acceptedIds = new Set(accepted);
    for (const [id, kind] of failed) if (!acceptedIds.has(id)) totals[kind]++;
    if (code !== 0) totals.nonZero++;
  }
  const { accepted, lost, reusedReset, newReset, refused, other, nonZero } = totals;
  return `${rounds} rounds: ${accepted} accepted, ${lost} lost, ${reusedReset} reused-socket resets, ${newReset} new-connection resets, ${refused} refused, ${other} other, ${nonZero} non-zero exits`;
}

async function log(runtime, bin) {
  const size = 5 * 1024 * 1024;
  const service = start(runtime, bin, 'big-log.mjs', [String(size)]);
  service.child.stdout.pause();
  await new Promise((resolve) => service.child.stderr.once('data', resolve));
  service.child.kill('SIGTERM');
  setTimeout(() => service.child.stdout.resume(), 200);
  const { code } = await service.ended;
  return `${service.bytes}/${size} bytes, exit ${code}`;
}

async function secondSigint(runtime, bin) {
  const service = start(runtime, bin, 'slow-hook.mjs');
  await service.waitFor('ready');
  service.child.kill('SIGINT');
  await service.waitFor('hook:started');
  const sent = performance.now();
  service.child.kill('SIGINT');
  const { code, at } = await service.ended;
  return `exit ${code} in ${Math.round(at - sent)} ms`;
}

async function uncaught(runtime, bin) {
  const service = start(runtime, bin, 'fatal.mjs', ['exception']);
  const { code } = await service.ended;
  const hooks = service.stdout.split('\n').filter((line) => line.startsWith('hook:')).length;
  return `exit ${code}, ${hooks}/6 phases ran`;
}

async function hung(runtime, bin) {
  const service = start(runtime, bin, 'hung-hook.mjs');
  await service.waitFor('ready');
  const sent = performance.now();
  service.child.kill('SIGTERM');
  const { code, at } = await service.ended;
  return `exit ${code} in ${Math.round(at - sent)} ms (hook 300 ms, budget 1500 ms)`;
}

const scenarios = { idle, inflight, load, log, secondSigint, uncaught, hung };
console.log(`| runtime | ${Object.keys(scenarios).join(' | ')} |`);
console.log(`| --- | ${Object.keys(scenarios).map(() => '---').join(' | ')} |`);
for (const [runtime, bin] of Object.entries(args)) {
  const version = execFileSync(bin, ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).split('\n')[0].trim();
  const cells = [];
  for (const scenario of Object.values(scenarios)) {
    try {
      cells.push(await scenario(runtime.replace(/\d+$/, ''), bin));
    } catch (error) {
      cells.push(`FAILED: ${String(error.message).split('\n')[0]}`);
    }
  }
  console.log(`| ${runtime} ${version} | ${cells.join(' | ')} |`);
}
