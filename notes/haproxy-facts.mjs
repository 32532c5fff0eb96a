// Reads the logs that `HAPROXY_LOGS=<dir> npx vitest run test/haproxy.test.ts` keeps, and prints,
// per scenario, what the adaptive readiness delay (issue 14) has to go by: when orders stop
// arriving at an instance after its SIGTERM, the gaps between arrivals before it, which
// connections carry what, and what a "quiet for long enough" rule would have done.
// Usage: node notes/haproxy-facts.mjs <dir>
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = process.argv[2];
if (!root) throw new Error('usage: node notes/haproxy-facts.mjs <dir given as HAPROXY_LOGS>');

function parse(text) {
  const arrivals = [];
  const conns = new Map();
  const checks = [];
  const marks = {};
  for (const line of text.split('\n')) {
    const [head, ...rest] = line.split(' ');
    if (head.startsWith('recorded:')) arrivals.push({ at: Number(rest[0]), conn: Number(rest[1]), nth: Number(rest[2]) });
    else if (head === 'conn') conns.set(Number(rest[0]), Number(rest[1]));
    else if (head === 'ready') checks.push({ status: Number(rest[0]), at: Number(rest[1]), conn: Number(rest[2]) });
    else if (head === 'sigterm' || head === 'closing' || head === 'exit') marks[head] = Number(rest[0]);
  }
  arrivals.sort((a, b) => a.at - b.at);
  return { arrivals, conns, checks, marks };
}

const quantile = (sorted, q) => (sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]);
const f = (value, digits = 1) => (value === undefined || Number.isNaN(value) ? '-' : value.toFixed(digits));
const spread = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  return `min ${f(sorted[0])}, median ${f(quantile(sorted, 0.5))}, max ${f(sorted.at(-1))} (n=${sorted.length})`;
};

/**
 * When a delay that ends after `silence(gapsBefore)` ms without an arrival would have ended, and
 * how many orders arrived after that (each one would have met a closed listener).
 */
function simulate(restart, silence) {
  const threshold = silence(restart);
  let last = restart.sigterm;
  for (const at of restart.after) {
    if (at - last >= threshold) break;
    last = at;
  }
  const end = last + threshold;
  return { end: end - restart.sigterm, late: restart.after.filter((at) => at > end).length };
}

const scenarios = new Map();
for (const name of readdirSync(root).sort()) {
  const dir = join(root, name);
  const { scenario } = JSON.parse(readFileSync(join(dir, 'clients.json'), 'utf8'));
  const files = readdirSync(dir).filter((file) => /^g\d+-i\d+\.log$/.test(file)).sort((a, b) => parseInt(a.slice(1)) - parseInt(b.slice(1)));
  const entry = scenarios.get(scenario.name) ?? { scenario, runs: 0, restarts: [], checks: 0, checkConns: 0, sharedConns: 0, checkGaps: [], failed: 0 };
  entry.runs++;
  entry.failed += JSON.parse(readFileSync(join(dir, 'clients.json'), 'utf8')).failed.length;
  files.forEach((file, g) => {
    const instance = /-i(\d+)\.log$/.exec(file)[1];
    const { arrivals, conns, checks, marks } = parse(readFileSync(join(dir, file), 'utf8'));
    const orderConns = new Set(arrivals.map((a) => a.conn));
    const checkConns = new Set(checks.map((c) => c.conn));
    entry.checks += checks.length;
    entry.checkConns += checkConns.size;
    entry.sharedConns += [...checkConns].filter((conn) => orderConns.has(conn)).length;
    for (let i = 1; i < checks.length; i++) if (checks[i].status === 200) entry.checkGaps.push(checks[i].at - checks[i - 1].at);
    // A generation is a restart if its instance was started again after it; the last ones only saw the end of the load.
    if (!files.slice(g + 1).some((later) => later.endsWith(`-i${instance}.log`))) return;
    const sigterm = marks.sigterm;
    const before = arrivals.filter((a) => a.at < sigterm && a.at >= arrivals[0].at + 100).map((a) => a.at);
    const gaps = before.slice(1).map((at, i) => at - before[i]);
    const after = arrivals.filter((a) => a.at >= sigterm);
    const oldConns = after.filter((a) => conns.get(a.conn) < sigterm);
    const perOldConn = new Map();
    for (const a of oldConns) perOldConn.set(a.conn, (perOldConn.get(a.conn) ?? 0) + 1);
    const firstFailedCheck = (checks.find((c) => c.status === 503)?.at ?? NaN) - sigterm;
    let silence = 0;
    for (let i = 0, last = sigterm; i < after.length; last = after[i].at, i++) silence = Math.max(silence, after[i].at - last);
    entry.restarts.push({
      sigterm,
      gaps,
      meanGap: (before.at(-1) - before[0]) / Math.max(1, before.length - 1),
      after: after.map((a) => a.at),
      firstFailedCheck,
      lastArrival: after.length > 0 ? after.at(-1).at - sigterm : 0,
      afterFailedCheck: after.length > 0 ? after.at(-1).at - sigterm - firstFailedCheck : NaN,
      silence,
      afterCount: after.length,
      oldConnCount: oldConns.length,
      oldConnLast: oldConns.length > 0 ? oldConns.at(-1).at - sigterm : NaN,
      perOldConnMax: Math.max(0, ...perOldConn.values()),
      reusedAfter: after.filter((a) => a.nth > 1).length,
      afterClosing: arrivals.filter((a) => a.at >= marks.closing).length,
      exit: marks.exit - sigterm,
    });
  });
  scenarios.set(scenario.name, entry);
}

for (const [name, { scenario, runs, restarts, checks, checkConns, sharedConns, checkGaps, failed }] of scenarios) {
  console.log(`\n## ${name}: ${runs} runs, ${restarts.length} restarts, ${failed} failed orders in all`);
  console.log(`checks every ${scenario.checkEvery} ms, ${scenario.clients} clients, pause ${scenario.pause} ms, readinessDelay ${JSON.stringify(scenario.readinessDelay)}, retry ${scenario.retry}`);
  const sortedChecks = [...checkGaps].sort((a, b) => a - b);
  console.log(`checks: ${checks} on ${checkConns} connections, of which also carried orders: ${sharedConns}; ms between passed checks: median ${f(quantile(sortedChecks, 0.5))}, p99 ${f(quantile(sortedChecks, 0.99))}, max ${f(sortedChecks.at(-1))}`);
  console.log(`after SIGTERM, first check answered 503 (ms): ${spread(restarts.map((r) => r.firstFailedCheck))}`);
  console.log(`after SIGTERM, last order arrived (ms):       ${spread(restarts.map((r) => r.lastArrival))}`);
  console.log(`last order after the first 503 check (ms):   ${spread(restarts.map((r) => r.afterFailedCheck).filter((v) => !Number.isNaN(v)))}`);
  console.log(`longest silence from SIGTERM to last order:   ${spread(restarts.map((r) => r.silence))}`);
  console.log(`orders that arrived after SIGTERM:            ${spread(restarts.map((r) => r.afterCount))}`);
  console.log(`  of which on connections opened before it:   ${spread(restarts.map((r) => r.oldConnCount))}; the last at (ms): ${spread(restarts.map((r) => r.oldConnLast).filter((v) => !Number.isNaN(v)))}`);
  console.log(`  of which not the first on their connection: ${spread(restarts.map((r) => r.reusedAfter))}; most on one old connection: ${spread(restarts.map((r) => r.perOldConnMax))}`);
  console.log(`orders that arrived once the listener closed: ${spread(restarts.map((r) => r.afterClosing))}`);
  console.log(`SIGTERM to exit (ms):                         ${spread(restarts.map((r) => r.exit))}`);
  const all = restarts.flatMap((r) => r.gaps).sort((a, b) => a - b);
  console.log(
    `gaps between arrivals at an instance before SIGTERM (ms), ${all.length} gaps: median ${f(quantile(all, 0.5), 2)}, mean ${f(all.reduce((s, g) => s + g, 0) / all.length, 2)}, p99 ${f(quantile(all, 0.99), 2)}, p99.9 ${f(quantile(all, 0.999), 2)}, max ${f(all.at(-1), 2)}`,
  );
  console.log(`  per restart: mean gap ${spread(restarts.map((r) => r.meanGap))}; longest gap ${spread(restarts.map((r) => Math.max(...r.gaps)))}`);
  const seconds = restarts.reduce((sum, r) => sum + r.gaps.reduce((s, g) => s + g, 0), 0) / 1000;
  for (const stall of [10, 20, 30, 50]) console.log(`  gaps of ${stall} ms or more: ${all.filter((g) => g >= stall).length} in ${f(seconds)} s of arrivals`);
  // With no delay the listener closed at once: what arrived after SIGTERM says nothing about the load balancer.
  if (scenario.readinessDelay === 0) continue;
  const rules = {
    '7 x mean gap': (r) => 7 * r.meanGap,
    '7 x mean gap, floor 50 ms': (r) => Math.max(50, 7 * r.meanGap),
    '7 x mean gap, floor 100 ms': (r) => Math.max(100, 7 * r.meanGap),
    'longest gap before SIGTERM': (r) => Math.max(...r.gaps),
    '2 x longest gap before SIGTERM': (r) => 2 * Math.max(...r.gaps),
  };
  for (const [rule, silence] of Object.entries(rules)) {
    const outcomes = restarts.map((r) => simulate(r, silence));
    const early = outcomes.filter((o) => o.late > 0);
    const beforeCheck = outcomes.filter((o, i) => o.end < restarts[i].firstFailedCheck).length;
    console.log(
      `  rule "${rule}": delay ends after ${spread(outcomes.map((o) => o.end))} ms; ended before the last arrival in ${early.length} of ${outcomes.length} restarts (${early.reduce((s, o) => s + o.late, 0)} orders after the end), before HAProxy's first 503 check in ${beforeCheck}`,
    );
  }
}
