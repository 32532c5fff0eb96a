// npm run demo: starts examples/service, drives a little traffic, sends SIGTERM while work is
// in flight, prints the service's shutdown log and report, then tallies what happened to every
// request, job and message. Exits 0 when nothing was lost. Loopback only; about 10 s.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { get } from 'node:http';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
if (!existsSync(`${root}dist/index.js`)) {
  console.log('building lastcall first (npm run build)…');
  if (spawnSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' }).status !== 0) process.exit(1);
}

// Colour only for a terminal that wants it: piped into a file or a CI log, escape codes are noise.
const colour = process.stdout.isTTY && !process.env.NO_COLOR;
const say = (line) => console.log(`${colour ? '\x1b[36mdemo:\x1b[0m' : 'demo:'} ${line}`);
// `exec` hands the shell's pid to node, so the SIGTERM below reaches the service itself;
// `2>&1` keeps its log lines (stdout and stderr) in the order they were written.
const service = spawn('/bin/sh', ['-c', `exec "${process.execPath}" examples/service/main.mjs 2>&1`], {
  cwd: root,
  env: { ...process.env, PORT: '0' },
  stdio: ['ignore', 'pipe', 'inherit'],
});
const events = [];
let buffered = '';
let stopping = false;
let onListening;
const listening = new Promise((resolve) => (onListening = resolve));
service.stdout.setEncoding('utf8').on('data', (chunk) => {
  buffered += chunk;
  const lines = buffered.split('\n');
  buffered = lines.pop();
  for (const line of lines) {
    if (line.startsWith('event:')) events.push(line.slice('event:'.length));
    else if (line.startsWith('listening on')) onListening(Number(/:(\d+)$/.exec(line)[1]));
    else if (stopping) console.log(`  ${line}`);
  }
});
const exited = new Promise((resolve) => service.on('close', (code) => resolve(code)));
// Every wait here is bounded: a demo that hangs teaches nothing.
const guard = setTimeout(() => {
  say('the service did not end within 30 s: killing it');
  service.kill('SIGKILL');
}, 30_000);

const port = await listening;
say(`service listening on 127.0.0.1:${port}; sending traffic, jobs and messages are running`);
const requests = { sent: 0, answered: 0, failed: 0 };
const request = (path) => {
  requests.sent++;
  return new Promise((resolve) => {
    get({ host: '127.0.0.1', port, path }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode === 200 ? requests.answered++ : requests.failed++, resolve()));
    }).on('error', () => (requests.failed++, resolve()));
  });
};
const traffic = [];
for (let i = 0; i < 10; i++) traffic.push(request('/'));
await new Promise((resolve) => setTimeout(resolve, 1_200));
for (let i = 0; i < 3; i++) traffic.push(request('/slow'));
await new Promise((resolve) => setTimeout(resolve, 200));

say('sending SIGTERM, with 3 slow requests, jobs and messages in flight; the service logs:');
stopping = true;
service.kill('SIGTERM');
await Promise.all(traffic);
const code = await exited;
clearTimeout(guard);

const count = (kind) => events.filter((event) => event.startsWith(`${kind}:`)).map((event) => event.slice(kind.length + 1));
const jobs = { started: count('job-started'), finished: count('job-finished'), handedBack: count('job-handed-back') };
const messages = { taken: count('message-taken'), acked: count('message-acked'), nacked: count('message-nacked') };
const lostJobs = jobs.started.filter((name) => !jobs.finished.includes(name) && !jobs.handedBack.includes(name));
const lostMessages = messages.taken.filter((name) => !messages.acked.includes(name) && !messages.nacked.includes(name));
const twice = messages.acked.filter((name, i, all) => all.indexOf(name) !== i || messages.nacked.includes(name));
const closedQueries = count('query-on-closed-client');
const [inUseAtClose] = count('client-closed').map(Number);

say('tally');
console.log(`  requests:  ${requests.sent} sent, ${requests.answered} answered, ${requests.failed} failed`);
console.log(`  jobs:      ${jobs.started.length} started, ${jobs.finished.length} finished, ${jobs.handedBack.length} handed back, ${lostJobs.length} lost`);
console.log(`  messages:  ${messages.taken.length} taken, ${messages.acked.length} acked, ${messages.nacked.length} handed back (nack), ${lostMessages.length} lost, ${twice.length} handled twice`);
console.log(`  client:    closed with ${inUseAtClose ?? '?'} queries in use; ${closedQueries.length} queries on the closed client`);
const handedBack = jobs.handedBack.length + messages.nacked.length;
console.log(`  exit code: ${code}`);

const lost = requests.failed + lostJobs.length + lostMessages.length + twice.length + closedQueries.length + (inUseAtClose === 0 ? 0 : 1);
if (lost > 0) say(`${lost} thing(s) went wrong.`);
else if (handedBack > 0) {
  // The report says "failed" and the exit code is 1: work was handed back rather than finished,
  // and an orchestrator should hear of it. Nothing was lost: the queue will deliver it again.
  say(`nothing was lost; ${handedBack} task(s) outlasted the drain and were handed back, which the report counts as "failed" (exit code ${code}).`);
} else say(`nothing was lost; every task finished (exit code ${code}).`);
process.exit(lost === 0 && (code === 0 || code === 1) ? 0 : 1);
