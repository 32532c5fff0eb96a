// lastcall's benchmarks: every implementation shuts down the same app (servers/common.mjs) in
// the same scenarios, each run in a fresh child process, on 127.0.0.1 only, every wait bounded.
//
//   npm run bench                 full: 7 repetitions, 3 s budget, 10,000 idle connections
//   npm run bench -- --quick      quick: 3 repetitions, 0.5 s budget, 2,000 idle connections (< 2 min)
//   npm run bench -- --only=idle,load --impl=naive,lastcall   a subset, while looking into a result
//   npm run bench -- --set=reps=1,cannonDuration=1            numeric settings overridden (see config)
//   npm run bench -- --lastcall=/tmp/patched/index.js          another build of lastcall measured
//   npm run bench -- --only=import                             what importing lastcall costs (under a minute)
//
// Prints Markdown tables and writes results/latest.json (and, for a full run of everything,
// results/full-<date>.json and the tables in README.md).
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, freemem, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { IMPLEMENTATIONS, LABELS } from './lib/child.mjs';
import { builtins, importCost } from './lib/import.mjs';
import { haveCallgrind, instructions, micro, throughput } from './lib/overhead.mjs';
import * as scenarios from './lib/scenarios.mjs';
import { agree, cell, everyRun, median, paired, summary, table, tally, verdict } from './lib/stats.mjs';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const option = (name) => args.find((arg) => arg.startsWith(`--${name}=`))?.slice(name.length + 3).split(',');
const only = option('only');
const impls = option('impl') ?? IMPLEMENTATIONS;
const SCENARIOS = ['idle', 'inflight', 'load', 'jobs', 'log', 'hung', 'overhead', 'import'];
for (const name of only ?? []) if (!SCENARIOS.includes(name)) throw new Error(`unknown scenario ${name}: one of ${SCENARIOS.join(', ')}`);
for (const name of impls) if (!IMPLEMENTATIONS.includes(name)) throw new Error(`unknown implementation ${name}: one of ${IMPLEMENTATIONS.join(', ')}`);

const config = quick
  ? {
      mode: 'quick',
      reps: 3,
      budget: 500,
      killAfter: 300,
      idleConnections: [1, 100, 2_000],
      idleWait: 160,
      idleReference: false,
      inflightCount: 20,
      slowMs: 300,
      inflightSignalAfter: 100,
      loadConnections: 32,
      loadBefore: 250,
      jobShort: 100,
      jobLong: 3_000,
      jobsBefore: 200,
      cannonDuration: 2,
      warmup: 0,
      cannonConnections: 50,
      attachVariants: ['none', 'lastcall'],
      callgrind: null,
      microN: 50_000,
      microReps: 3,
      importRuns: 15,
    }
  : {
      mode: 'full',
      reps: 7,
      budget: 3_000,
      killAfter: 3_000,
      idleConnections: [1, 100, 10_000],
      idleWait: 300,
      idleReference: true,
      inflightCount: 20,
      slowMs: 1_000,
      inflightSignalAfter: 300,
      loadConnections: 32,
      loadBefore: 1_000,
      jobShort: 400,
      jobLong: 10_000,
      jobsBefore: 600,
      cannonDuration: 10,
      warmup: 2,
      cannonConnections: 50,
      attachVariants: ['none', 'coordinator', 'lastcall', 'run'],
      callgrind: { warm: 8_000, amount: 5_000, connections: 10, reps: 3 },
      microN: 1_000_000,
      microReps: 5,
      importRuns: 15,
    };

function sh(command, commandArgs) {
  try {
    return execFileSync(command, commandArgs, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return 'unavailable';
  }
}

// --set=reps=1,cannonDuration=1: override numeric settings, while looking into a result.
for (const pair of option('set') ?? []) {
  const [key, value] = pair.split('=');
  if (typeof config[key] !== 'number') throw new Error(`--set: ${key} is not a numeric setting`);
  config[key] = Number(value);
}
if (option('callgrind-reps') && config.callgrind) config.callgrind.reps = Number(option('callgrind-reps')[0]);

const root = fileURLToPath(new URL('.', import.meta.url));
const repo = fileURLToPath(new URL('..', import.meta.url));

// lastcall is measured as built: ../dist. A fresh clone has none yet: build it as the repository
// does (npm ci there first if its dependencies are not installed). --lastcall=FILE measures
// another build instead (a patched dist/index.js, say), and says so in the results.
const otherBuild = option('lastcall')?.join(',');
if (otherBuild === undefined && !existsSync(`${repo}dist/index.js`)) {
  process.stderr.write('../dist/index.js is missing: building lastcall (npm run build in the repository root)\n');
  if (!existsSync(`${repo}node_modules/.bin/tsup`)) execFileSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: repo, stdio: ['ignore', 2, 2] });
  execFileSync('npm', ['run', 'build'], { cwd: repo, stdio: ['ignore', 2, 2] });
}
const dist = readFileSync(otherBuild ?? `${repo}dist/index.js`);
const distHash = createHash('sha256').update(dist).digest('hex').slice(0, 12);
// Every server imports a snapshot of ../dist/index.js taken now (it needs nothing else): a
// rebuild of ../dist while the benchmark runs cannot mix two versions into one table. Beside it,
// a package.json that says ESM, as the repository's does: without one, Node 20 loads the file
// through its module-type detection, and a plain server that merely imported it then ran about
// 10% fewer instructions per request (callgrind), a skew of its own.
const snapshotDir = join(tmpdir(), `lastcall-bench-${distHash}`);
mkdirSync(snapshotDir, { recursive: true });
writeFileSync(join(snapshotDir, 'package.json'), '{ "type": "module" }\n');
writeFileSync(join(snapshotDir, 'index.js'), dist);
// The import scenario's floor: a one-line module where lastcall's is, as costly to find and read.
writeFileSync(join(snapshotDir, 'floor.js'), 'export {};\n');
process.env.BENCH_LASTCALL = pathToFileURL(join(snapshotDir, 'index.js')).href;
const commit = sh('git', ['-C', repo, 'rev-parse', '--short', 'HEAD']);
const srcChanged = sh('git', ['-C', repo, 'status', '--porcelain', '--', 'src']) !== '';
const started = new Date();
const wallStart = performance.now();
const versions = Object.fromEntries(
  ['@godaddy/terminus', 'http-terminator', 'stoppable', 'close-with-grace', 'lightship', 'autocannon'].map((name) => [
    name,
    JSON.parse(readFileSync(new URL(`./node_modules/${name}/package.json`, import.meta.url), 'utf8')).version,
  ]),
);
versions.lastcall = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version;


const machine = {
  node: process.version,
  nproc: sh('nproc', []),
  cpu: cpus()[0]?.model ?? 'unknown',
  memory: sh('free', ['-h']).split('\n')[1]?.split(/\s+/)[1] ?? `${Math.round(totalmem() / 2 ** 30)}Gi`,
  freeMemoryAtStart: `${Math.round(freemem() / 2 ** 30)}Gi`,
  loadAverageAtStart: loadavg().map((value) => Number(value.toFixed(2))),
  kernel: sh('uname', ['-sr']),
};

const log = (line) => process.stderr.write(`${line}\n`);

// Other work on the machine skews timings: every 5 s, note the load average and whether any
// other test run (vitest, a test fixture, a build) is under way, per scenario.
const interference = [];
let currentScenario = 'start';
const sampler = setInterval(() => {
  let others = [];
  try {
    others = execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' })
      .split('\n')
      .filter((line) => /vitest|test\/fixtures|tsup|tsc /.test(line) && !line.includes('/bench/'));
  } catch {}
  interference.push({ at: Math.round((performance.now() - wallStart) / 1000), scenario: currentScenario, load1: Number(loadavg()[0].toFixed(2)), otherTestProcesses: others.length });
}, 5_000);
sampler.unref();
const wanted = (name) => only === undefined || only.includes(name);
const lastcallBuild = { commit, srcChanged, distSha256: distHash, ...(otherBuild === undefined ? {} : { otherBuild }) };
const results = { date: started.toISOString(), config, machine, versions, lastcall: lastcallBuild, scenarios: {} };

/** Runs `fn(impl)` reps times for each implementation, interleaved (rep 1 of each, then rep 2...). */
async function repeat(name, fn, list = impls) {
  currentScenario = name.split(' ')[0];
  const runs = Object.fromEntries(list.map((impl) => [impl, []]));
  for (let rep = 0; rep < config.reps; rep++) {
    // Alternate the order, so no implementation always runs right after the same neighbour.
    const order = rep % 2 === 0 ? list : [...list].reverse();
    for (const impl of order) {
      try {
        runs[impl].push(await fn(impl));
      } catch (error) {
        runs[impl].push({ error: error.message });
        log(`  ${name} ${impl}: ${error.message}`);
      }
    }
    log(`  ${name}: repetition ${rep + 1}/${config.reps} done (${Math.round((performance.now() - wallStart) / 1000)} s)`);
  }
  return runs;
}

const pick = (runs, key) => runs.map((run) => (run.error ? null : run[key]));
const codes = (runs) => tally(runs.map((run) => (run.error ? 'error' : run.code)));
const label = (impl) => LABELS[impl] ?? impl;
const sections = [];

// ---- 1. idle keep-alive ----
if (wanted('idle')) {
  log(`idle keep-alive: ${config.idleConnections.join(', ')} connections`);
  const list = config.idleReference ? [...impls, 'exit-at-once'] : impls;
  const byN = {};
  for (const n of config.idleConnections) byN[n] = await repeat(`idle ${n}`, (impl) => scenarios.idle(impl, config, n), list);
  results.scenarios.idle = byN;
  const rows = list.map((impl) => [
    impl === 'exit-at-once' ? '*reference: `process.exit()` at once, closes nothing*' : label(impl),
    ...config.idleConnections.map((n) => cell(pick(byN[n][impl], 'ms'), 1)),
    tally(config.idleConnections.flatMap((n) => byN[n][impl].map((run) => run.code ?? 'error'))),
  ]);
  const missing = config.idleConnections.flatMap((n) => list.flatMap((impl) => byN[n][impl].filter((run) => !run.error && run.openAtSignal !== n).map(() => `${impl}@${n}`)));
  sections.push(
    `### 1. Idle keep-alive connections: ms from SIGTERM to exit\n\n` +
      `Each connection served one request, then stayed idle for ${config.idleWait} ms (over 150 ms, so lastcall's 100 ms grace for just-idle sockets never applies) before the signal, alike for every implementation.` +
      (quick ? ` Quick mode uses ${config.idleConnections.at(-1).toLocaleString('en')} connections, not 10,000.` : '') +
      `\n\n` +
      table(['Implementation', ...config.idleConnections.map((n) => `${n.toLocaleString('en')} idle`), 'exit code'], rows) +
      (missing.length > 0 ? `\n\nNot every connection was open at the signal in: ${missing.join(', ')}.` : ''),
  );
}

// ---- 2. in-flight ----
if (wanted('inflight')) {
  log('in-flight requests');
  const runs = await repeat('in-flight', (impl) => scenarios.inflight(impl, config));
  results.scenarios.inflight = runs;
  const rows = impls.map((impl) => [
    label(impl),
    `${cell(pick(runs[impl], 'succeeded'))} / ${config.inflightCount}`,
    cell(pick(runs[impl], 'ms')),
    cell(pick(runs[impl], 'limitMs')),
    cell(pick(runs[impl], 'overLimitMs'), 1),
    `${cell(pick(runs[impl], 'connectionClose'))} / ${config.inflightCount}`,
    codes(runs[impl]),
  ]);
  sections.push(
    `### 2. ${config.inflightCount} slow requests (${config.slowMs} ms each) in flight at SIGTERM\n\n` +
      `One keep-alive connection per request; SIGTERM ${config.inflightSignalAfter} ms after the last one arrived. The physical limit is the last request's own remaining time at the signal.\n\n` +
      table(['Implementation', 'succeeded', 'exit ms', 'physical limit ms', 'exit − limit ms', 'answered with `Connection: close`', 'exit code'], rows),
  );
}

// ---- 3. load ----
if (wanted('load')) {
  log('load during shutdown');
  const runs = await repeat('load', (impl) => scenarios.load(impl, config));
  results.scenarios.load = runs;
  const rows = impls.map((impl) => [
    label(impl),
    cell(pick(runs[impl], 'acceptedFailed')),
    cell(pick(runs[impl], 'resetBeforeAccepted')),
    cell(pick(runs[impl], 'refused')),
    cell(pick(runs[impl], 'answeredAfter')),
    cell(pick(runs[impl], 'ms'), 1),
    codes(runs[impl]),
  ]);
  sections.push(
    `### 3. Load during shutdown: ${config.loadConnections} keep-alive clients in a closed loop\n\n` +
      `Instant responses; SIGTERM after ${config.loadBefore} ms of load; the loop goes on until 50 ms after the exit. *Accepted then failed*: the server's handler saw the request, the client got an error instead of the response. *Reset before accepted*: a request sent on a keep-alive socket the server closed before reading it (ECONNRESET; the client cannot tell whether it was processed). *Refused*: ECONNREFUSED on a new connection (safe to retry elsewhere; a client retries after 5 ms).\n\n` +
      table(['Implementation', 'accepted then failed', 'reset before accepted', 'refused', 'answered after SIGTERM', 'exit ms', 'exit code'], rows),
  );
}

await scenarios.closeClient();

// ---- 4. lost work ----
if (wanted('jobs')) {
  log('jobs and messages');
  const runs = await repeat('jobs', (impl) => scenarios.jobs(impl, config));
  results.scenarios.jobs = runs;
  const rows = impls.map((impl) => [
    label(impl),
    impl === 'lastcall' ? '`run()` + `onAbandon`' : impl === 'careful' ? 'its own, the same' : '`drainByHand`',
    cell(pick(runs[impl], 'started')),
    cell(pick(runs[impl], 'finished')),
    cell(pick(runs[impl], 'handedBack')),
    cell(pick(runs[impl], 'lost')),
    cell(pick(runs[impl], 'ms')),
    codes(runs[impl]),
  ]);
  sections.push(
    `### 4. Lost work: messages and jobs in flight at SIGTERM\n\n` +
      `A consumer takes a message every 25 ms and a scheduler starts a job every 100 ms; every 4th message and 5th job takes ${config.jobLong.toLocaleString('en')} ms (past the ${config.budget.toLocaleString('en')} ms budget), the rest ${config.jobShort} ms. Ack and nack are 5 ms round trips. SIGTERM after ${config.jobsBefore} ms. *Lost*: started, neither acked nor handed back. None of the other libraries has a drain with a hand-back, so each gets the same hand-written one in its cleanup step (servers/common.mjs, \`drainByHand\`: stop the intake, wait until 85% of the budget, abort and nack the rest; about 20 lines); the careful hand-written row has its own, alike.\n\n` +
      table(['Implementation', 'drain', 'started', 'finished', 'handed back', 'lost', 'exit ms', 'exit code'], rows),
  );
}

// ---- 5. piped log ----
if (wanted('log')) {
  log('piped log');
  const runs = await repeat('log', (impl) => scenarios.log(impl, config));
  results.scenarios.log = runs;
  const rows = impls.map((impl) => [label(impl), cell(pick(runs[impl], 'bytes')), cell(pick(runs[impl], 'percent'), 1, '%'), cell(pick(runs[impl], 'ms')), codes(runs[impl])]);
  sections.push(
    `### 5. A 5 MiB log written by the cleanup step, read through a pipe\n\n` +
      `5,120 lines of 1 KiB written with \`process.stdout.write\` in the cleanup step; the parent reads the pipe as fast as it can.\n\n` +
      table(['Implementation', 'bytes arrived (of 5,242,880)', 'share', 'exit ms', 'exit code'], rows),
  );
}

// ---- 6. hung cleanup ----
if (wanted('hung')) {
  log('hung cleanup step');
  const runs = await repeat('hung', (impl) => scenarios.hung(impl, config));
  results.scenarios.hung = runs;
  const rows = impls.map((impl) => {
    const killed = runs[impl].filter((run) => run.killed).length;
    return [
      label(impl),
      killed === runs[impl].length ? `never (SIGKILL at ${(config.budget + config.killAfter).toLocaleString('en')} ms)` : cell(pick(runs[impl], 'ms')),
      killed === runs[impl].length ? '–' : cell(pick(runs[impl], 'overBudgetMs'), 1),
      codes(runs[impl]),
    ];
  });
  sections.push(
    `### 6. A cleanup step that never returns (budget ${config.budget.toLocaleString('en')} ms)\n\n` +
      `The cleanup step awaits a promise that never settles while a timer keeps the event loop alive, as a stuck client's close would. Every implementation's own timeout is set to the budget; the hand-written handlers arm a force-exit timer at the budget.\n\n` +
      table(['Implementation', 'exit ms', 'exit − budget ms', 'exit code'], rows),
  );
}

// ---- 7. overhead ----
if (wanted('overhead')) {
  currentScenario = 'overhead';
  const variants = config.attachVariants;
  log(`overhead: autocannon ${config.cannonDuration} s × ${config.reps} per server (${variants.join(', ')})`);
  const runs = Object.fromEntries(variants.map((attach) => [attach, []]));
  for (let rep = 0; rep < config.reps; rep++) {
    for (const attach of rep % 2 === 0 ? variants : [...variants].reverse()) runs[attach].push(await throughput(attach, config));
    log(`  overhead: repetition ${rep + 1}/${config.reps} done (${Math.round((performance.now() - wallStart) / 1000)} s)`);
  }
  // Instructions per request under callgrind: repeatable on a shared machine, where requests/s is not.
  let counted;
  if (config.callgrind && haveCallgrind()) {
    counted = Object.fromEntries(variants.map((attach) => [attach, []]));
    for (let rep = 0; rep < config.callgrind.reps; rep++) {
      for (const attach of rep % 2 === 0 ? variants : [...variants].reverse()) {
        try {
          counted[attach].push(await instructions(attach, config.callgrind));
        } catch (error) {
          counted[attach].push({ error: error.message });
          log(`  callgrind ${attach}: ${error.message}`);
        }
      }
      log(`  callgrind: repetition ${rep + 1}/${config.callgrind.reps} done (${Math.round((performance.now() - wallStart) / 1000)} s)`);
    }
  } else if (config.callgrind) log('  valgrind not found: instructions per request not counted');
  log('microbenchmarks');
  const microResults = await micro(config);
  results.scenarios.overhead = { throughput: runs, instructions: counted, micro: microResults };
  const rps = (attach) => pick(runs[attach], 'requestsPerSecond');
  // Paired by repetition: the runs of one repetition ran back to back.
  const loss = (attach, key, sign) => runs.none.map((run, i) => sign * 100 * (runs[attach][i][key] / run[key] - 1));
  // Each with its paired values: the verdict needs every pair, not only the median.
  const withValues = (values) => ({ ...summary(values), values });
  results.scenarios.overhead.throughputLossPercent = withValues(loss('lastcall', 'requestsPerSecond', -1));
  results.scenarios.overhead.cpuPerRequestIncreasePercent = withValues(loss('lastcall', 'cpuMicrosPerRequest', 1));
  const names = {
    none: 'plain `http` server',
    coordinator: 'with `new ShutdownCoordinator()` alone, the server not added',
    lastcall: 'with `new ShutdownCoordinator()` + `addServer()`',
    run: 'the same, after one `run()` (AsyncLocalStorage on)',
  };
  const rows = variants.map((attach) => [
    names[attach],
    cell(rps(attach)),
    attach === 'none' ? '' : cell(loss(attach, 'requestsPerSecond', -1), 1, '%'),
    cell(pick(runs[attach], 'cpuMicrosPerRequest'), 1),
    attach === 'none' ? '' : cell(loss(attach, 'cpuMicrosPerRequest', 1), 1, '%'),
    cell(pick(runs[attach], 'latencyP99')),
  ]);
  let instructionTable = '';
  if (counted) {
    const perRequest = (attach) => pick(counted[attach], 'perRequest');
    const more = (attach) => counted.none.map((run, i) => 100 * (counted[attach][i].perRequest / run.perRequest - 1));
    results.scenarios.overhead.instructionsIncreasePercent = withValues(more('lastcall'));
    instructionTable =
      `\n\nInstructions per request, counted by valgrind's callgrind (${config.callgrind.reps} runs per server; a fresh server each run; ${config.callgrind.warm.toLocaleString('en')} requests to let the JIT settle, then ${config.callgrind.amount.toLocaleString('en')} counted, ${config.callgrind.connections} connections). The count does not depend on what else runs on the machine; its run-to-run spread comes from the JIT and the garbage collector.\n\n` +
      table(
        ['Server', 'instructions per request', 'more than plain (paired runs)'],
        variants.map((attach) => [names[attach], cell(perRequest(attach)), attach === 'none' ? '' : cell(more(attach), 1, '%')]),
      );
  }
  const m = microResults;
  const ns = (stat) => `${cell(stat.samples, 0)} ns`;
  sections.push(
    `### 7. Overhead\n\n` +
      `autocannon, ${config.cannonConnections} connections, ${config.cannonDuration} s per run${config.warmup > 0 ? ` after a ${config.warmup} s warm-up` : ''}, ${config.reps} runs per server, alternating; a fresh server each run; the handler only answers \`ok\`, so any per-request cost shows at its largest. *Lost* and *more* compare each run with the plain server's run of the same repetition. CPU time is the server process's own (user + system) over the measured run, steadier than requests/s when other processes share the cores.\n\n` +
      table(['Server', 'requests/s', 'throughput lost', 'server CPU µs per request', 'CPU per request, more', 'p99 latency ms'], rows) +
      instructionTable +
      `\n\nIn-process (${m.n.toLocaleString('en')} already-resolved promises per measurement, ${m.reps} measurements, median (min–max); *at once*: all tracked in one loop, then settled, so ${m.n.toLocaleString('en')} are in flight at the peak; *steady*: settled after every ${m.steadyBatch.toLocaleString('en')}):\n\n` +
      table(
        ['Operation', 'at once', 'steady'],
        [
          ['`promise.then(noop, noop)` (the floor for any bookkeeping)', ns(m.allAtOnceNs.then), ns(m.steadyNs.then)],
          ['`track(promise)` + settle', ns(m.allAtOnceNs.track), ns(m.steadyNs.track)],
          ['`track(promise, { name, onAbandon })` + settle', ns(m.allAtOnceNs.trackNamed), ns(m.steadyNs.trackNamed)],
          ['`run(fn)` + settle', ns(m.allAtOnceNs.run), ns(m.steadyNs.run)],
        ],
      ) +
      `\n\n` +
      table(
        ['Measure', 'value'],
        [
          [`\`register()\` × ${m.hooks.toLocaleString('en')} hooks`, `${cell(m.register10kMs.samples, 1)} ms (${Math.round(m.registerNsPerHook)} ns per hook)`],
          [`\`shutdown()\` running those ${m.hooks.toLocaleString('en')} no-op hooks (one phase, \`exit: false\`)`, `${cell(m.shutdownWith10kHooksMs.samples)} ms`],
          ['warnings printed by that shutdown', m.warningsDuringHookRuns.length === 0 ? 'none' : m.warningsDuringHookRuns.map((warning) => `\`${warning.split(':')[0]}\``).join(', ')],
          [`heap per pending \`track()\`ed task (${m.memoryN.toLocaleString('en')} tasks, \`--expose-gc\`)`, `${Math.round(m.bytesPerTrackedTask)} bytes (a bare \`then()\` on the same promise: ${Math.round(m.bytesPerPendingThen)})`],
          ['heap per pending `run()` task', `${Math.round(m.bytesPerRunTask)} bytes`],
          ...['track', 'run'].map((kind) => {
            const back = m.handBack[kind];
            return [
              `hand-back of ${m.handBack.n.toLocaleString('en')} \`${kind}()\` tasks in flight at the drain deadline (${m.handBack.budgetMs.toLocaleString('en')} ms budget)`,
              `${cell(back.us.samples, 2)} µs per task (by hand: ${cell(back.byHandUs.samples, 2)} µs); report ${cell(back.reportMs.samples)} ms after \`shutdown()\``,
            ];
          }),
          ['one `await` in the application, before any `run()`', `${cell(m.awaitNs.before.samples)} ns`],
          ['one `await` in the application, after one `run()`', `${cell(m.awaitNs.after.samples)} ns`],
        ],
      ),
  );
}

// ---- 8. import cost ----
if (wanted('import')) {
  currentScenario = 'import';
  log(`import cost: ${config.importRuns} fresh processes per variant`);
  const runs = await importCost(config.importRuns, log);
  const ms = (variant, ...steps) => runs[variant].map((run) => steps.reduce((sum, step) => sum + run[step].ms, 0));
  const http = ms('http', 'http');
  // Paired with the node:http process of the same round, which ran next to it.
  const more = (values) => cell(paired(values, http, (a, b) => a - b), 1);
  const rows = [
    ['`await import(\'node:http\')` alone (the reference)', http, false],
    ['`await import(lastcall)` + `new ShutdownCoordinator()`', ms('lastcall', 'import', 'construct'), true],
    ['`await import(lastcall)` alone', ms('lastcall', 'import'), true],
    ['`new ShutdownCoordinator()` alone, right after that import', ms('lastcall', 'construct'), false],
    ['after `node:http` in the same process: `await import(lastcall)` + `new ShutdownCoordinator()`', ms('http+lastcall', 'import', 'construct'), false],
    ['*floor*: `await import()` of a one-line module in lastcall\'s directory', ms('file', 'file'), false],
    ...Object.keys(runs)
      .filter((variant) => variant.startsWith('http+node:'))
      .map((variant) => [`after \`node:http\`: \`await import('${variant.slice('http+'.length)}')\` alone, one of those lastcall loads`, ms(variant, 'builtin'), false]),
  ];
  const loadedBy = (variant, step) => builtins(runs[variant].map((run) => run[step]));
  const list = (names) => (names.length === 0 ? 'none' : names.map((name) => `\`${name}\``).join(', '));
  const beyondHttp = loadedBy('http+lastcall', 'import');
  const loaded = { http: loadedBy('http', 'http'), lastcall: loadedBy('lastcall', 'import'), lastcallBeyondHttp: beyondHttp, construct: loadedBy('lastcall', 'construct') };
  results.scenarios.import = { runs, builtins: loaded };
  sections.push(
    `### 8. Import cost: loading lastcall and constructing a coordinator\n\n` +
      `Each variant in ${config.importRuns} fresh processes, interleaved (micro/import.mjs); ms timed with \`performance.now()\` inside the process around the dynamic \`import()\` and the constructor, so node's own start is not counted. *More than node:http* pairs each process with the \`import('node:http')\` process of the same round.\n\n` +
      table(['Measured in a fresh process', 'ms', 'more than `node:http` alone, ms'], rows.map(([name, values, pair]) => [name, cell(values, 1), pair ? more(values) : ''])) +
      `\n\nBuilt-in modules that lastcall's import makes Node load beyond those \`node:http\` loads: ${list(beyondHttp)}. ` +
      `\`new ShutdownCoordinator()\` loads: ${list(loaded.construct)}. ` +
      `\`node:http\` itself loads: ${list(loaded.http)} (internal modules not listed).`,
  );
}

// ---- targets ----
// A verdict is "met" only when every measure of a target supports it in every run (or, for a
// comparison, every pair of runs that ran back to back); "missed" when none does;
// "inconclusive" when the runs fall on both sides of the target or the measures disagree.
// Counts of failures (a failed request, lost work, a cut log, a wrong exit code) are not
// noise: one in any run misses the target (`everyRun`).
const targets = [];
const lc = (scenario) => results.scenarios[scenario]?.lastcall;
const signed = (digits, unit) => (value) => `${value >= 0 ? '+' : ''}${value.toFixed(digits)}${unit}`;
/** "median (min to max)" of paired differences, signed. */
const spread = (values, format) => {
  const { median: mid, min, max } = summary(values);
  return mid === null ? 'no pairs' : `${format(mid)} (paired runs ${format(min)} to ${format(max)})`;
};
/** Runs that never ended count as infinitely late; runs that failed to measure, not at all. */
const exitMs = (runs, key = 'ms') => runs.map((run) => (run.killed ? Infinity : run.error ? null : run[key]));
if (results.scenarios.idle) {
  const big = config.idleConnections.at(-1);
  for (const n of config.idleConnections) {
    const byImpl = results.scenarios.idle[n];
    const ours = exitMs(byImpl.lastcall ?? []);
    const connections = `${n.toLocaleString('en')} connection${n === 1 ? '' : 's'}`;
    const floor = median(pick(byImpl['exit-at-once'] ?? [], 'ms'));
    for (const base of ['naive', 'careful']) {
      const theirs = exitMs(byImpl[base] ?? []);
      if (ours.length === 0 || theirs.length === 0) continue;
      const diffs = paired(ours, theirs, (a, b) => a - b);
      targets.push([
        `idle keep-alive, ${connections}: within a few ms (≤ 5) of the ${LABELS[base]} baseline`,
        `${cell(ours, 1)} ms vs ${cell(theirs, 1)} ms; ${spread(diffs, signed(1, ' ms'))}${floor === null ? '' : `; exit-at-once floor ${floor.toFixed(1)} ms`}`,
        verdict(diffs, (diff) => diff <= 5),
      ]);
    }
    if (n === big && ours.length > 0) targets.push([`idle keep-alive under 100 ms at ${connections}`, `${cell(ours, 1)} ms`, verdict(ours, (ms) => ms < 100)]);
  }
}
if (lc('inflight')) {
  const over = exitMs(lc('inflight'), 'overLimitMs');
  const ok = summary(pick(lc('inflight'), 'succeeded'));
  const lostRequests = everyRun(pick(lc('inflight'), 'succeeded'), (count) => count === config.inflightCount);
  targets.push([
    'in-flight: exit within 50 ms of the physical limit, every request answered',
    `exit − limit ${cell(over, 1)} ms${over.includes(Infinity) ? ` (${over.filter((ms) => ms === Infinity).length} never exited)` : ''}, ${ok.min}/${config.inflightCount} succeeded at worst`,
    lostRequests === 'met' ? verdict(over, (ms) => ms <= 50) : lostRequests,
  ]);
}
if (lc('load')) {
  const failed = pick(lc('load'), 'acceptedFailed');
  const { max, n } = summary(failed);
  targets.push(['load: 0 accepted requests failing', `${max} at most in ${n} runs`, everyRun(failed, (count) => count === 0)]);
}
if (lc('jobs')) {
  const lost = pick(lc('jobs'), 'lost');
  const { max, n } = summary(lost);
  targets.push(['0 lost work', `${max} at most in ${n} runs`, everyRun(lost, (count) => count === 0)]);
}
if (lc('log')) {
  const percent = pick(lc('log'), 'percent');
  targets.push(['100% of the piped log', `${summary(percent).min?.toFixed(1)}% at worst`, everyRun(percent, (share) => share === 100)]);
}
if (lc('hung')) {
  const runs = lc('hung');
  const ms = exitMs(runs);
  const worst = Math.max(...ms.filter((value) => value !== null));
  const code = everyRun(runs.map((run) => (run.error ? null : Number(run.code === '1'))), (one) => one === 1);
  // "At the budget": by it, give or take the ~5-10 ms that ending a process and seeing it end take.
  targets.push([
    `hung cleanup step: the process ends at the budget (≤ ${config.budget.toLocaleString('en')} + 20 ms), code 1`,
    `${worst === Infinity ? 'no exit' : `${worst.toFixed(0)} ms`} at worst, code ${codes(runs)}`,
    code === 'met' ? verdict(ms, (value) => value <= config.budget + 20) : code,
  ]);
}
if (results.scenarios.overhead) {
  const overhead = results.scenarios.overhead;
  // Each measure on its own, then together: requests/s and CPU time swing with whatever else
  // runs on the two cores; the instruction count does not, but moves for reasons of the JIT's
  // own (it once fell 5.6% with more work per request). One alone does not make a verdict.
  const measures = [
    ['requests/s', overhead.throughputLossPercent.values.map((loss) => -loss), (change) => change > -2],
    ['server CPU per request', overhead.cpuPerRequestIncreasePercent.values, (change) => change < 2],
    ...(overhead.instructionsIncreasePercent ? [['instructions per request', overhead.instructionsIncreasePercent.values, (change) => change < 2]] : []),
  ].map(([name, values, meets]) => ({ name, values, verdict: verdict(values, meets) }));
  targets.push([
    'throughput overhead under 2%',
    measures.map(({ name, values, verdict: v }) => `${name} ${spread(values, signed(1, '%'))}: ${v}`).join('; '),
    agree(measures.map(({ verdict: v }) => v)),
  ]);
  const m = overhead.micro;
  const steady = verdict(m.steadyNs.track.samples, (ns) => ns < 1000);
  const atOnce = verdict(m.allAtOnceNs.track.samples, (ns) => ns < 1000);
  targets.push([
    '`track()` + settle under 1 µs',
    `${cell(m.steadyNs.track.samples)} ns steady, ${cell(m.allAtOnceNs.track.samples)} ns with ${m.n.toLocaleString('en')} in flight`,
    steady === 'met' && atOnce === 'missed' ? 'met in steady state only' : agree([steady, atOnce]),
  ]);
}
if (results.scenarios.import) {
  const { runs } = results.scenarios.import;
  const ours = runs.lastcall.map((run) => run.import.ms + run.construct.ms);
  const http = runs.http.map((run) => run.http.ms);
  const diffs = paired(ours, http, (a, b) => a - b);
  targets.push([
    'import: `await import(lastcall)` + `new ShutdownCoordinator()` within 3 ms of `await import(\'node:http\')` alone',
    `${cell(ours, 1)} ms vs ${cell(http, 1)} ms; ${spread(diffs, signed(1, ' ms'))}`,
    verdict(diffs, (diff) => diff <= 3),
  ]);
}

machine.loadAverageAtEnd = loadavg().map((value) => Number(value.toFixed(2)));
clearInterval(sampler);
results.interference = interference;
const disturbed = [...new Set(interference.filter((sample) => sample.otherTestProcesses > 0).map((sample) => sample.scenario))];
const peakLoad = Math.max(0, ...interference.map((sample) => sample.load1));
results.durationSeconds = Math.round((performance.now() - wallStart) / 1000);
results.targets = targets.map(([target, measured, verdict]) => ({ target, measured, verdict }));

const header =
  `## Results (${config.mode} mode, ${started.toISOString().slice(0, 10)})\n\n` +
  `Node ${machine.node}, ${machine.nproc} cores (${machine.cpu}), ${machine.memory} memory, ${machine.kernel}; load average ${machine.loadAverageAtStart.join(' ')} at the start, ${machine.loadAverageAtEnd.join(' ')} at the end; ${results.durationSeconds} s in all. ` +
  `${disturbed.length === 0 ? 'No other test run was seen on the machine during the run' : `Other test runs were seen on the machine during: ${disturbed.join(', ')} (those numbers may be skewed)`}; peak 1-minute load ${peakLoad} (the benchmark itself keeps about 1 to 2 busy). ` +
  `Every cell is the median of ${config.reps} runs${results.scenarios.import ? ` (${config.importRuns} processes in the import scenario)` : ''}, with (min–max) when they differ. Shutdown budget ${config.budget.toLocaleString('en')} ms for every implementation. ` +
  `Versions: ${Object.entries(versions).map(([name, version]) => `${name} ${version}`).join(', ')} (${otherBuild === undefined ? `dist built from ${commit}${srcChanged ? ' with uncommitted changes in src/' : ''}, dist/index.js` : `**another build: ${otherBuild}**`} sha256 ${distHash}).`;
const targetTable = targets.length === 0 ? '' : `### Targets for lastcall\n\n${table(['Target', 'Measured', 'Verdict'], targets)}`;
const markdown = [header, targetTable, ...sections].filter(Boolean).join('\n\n');
results.markdown = markdown;

process.stdout.write(`${markdown}\n`);
mkdirSync(`${root}results`, { recursive: true });
const json = `${JSON.stringify(results, null, 2)}\n`;
writeFileSync(`${root}results/latest.json`, json);
if (!quick && only === undefined && otherBuild === undefined && impls.length === IMPLEMENTATIONS.length) {
  writeFileSync(`${root}results/full-${started.toISOString().slice(0, 10)}.json`, json);
  // README.md shows the latest full run: the tables between its markers are this run's.
  const readme = readFileSync(`${root}README.md`, 'utf8');
  const [start, end] = ['<!-- full run: start -->', '<!-- full run: end -->'];
  const from = readme.indexOf(start);
  const to = readme.indexOf(end);
  if (from !== -1 && to > from) writeFileSync(`${root}README.md`, `${readme.slice(0, from + start.length)}\n\n${markdown}\n\n${readme.slice(to)}`);
}
log(`wrote results/latest.json (${results.durationSeconds} s)`);
