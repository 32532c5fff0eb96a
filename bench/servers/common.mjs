// The application every implementation shuts down: one plain `http` server and, depending on
// the scenario, background work, a big shutdown log or a cleanup step that hangs. Each file
// beside this one wires the shutdown of this same app the way its library's README says.
//
// The parent (../run.mjs) sets BENCH_SCENARIO and BENCH_BUDGET, reads control lines from fd 3
// (READY, REQ, START, ACK, NACK) and the log from stdout.
import { writeSync } from 'node:fs';
import { createServer } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';

export const scenario = process.env.BENCH_SCENARIO ?? 'idle';
/** The shutdown budget in ms, the same for every implementation. */
export const budget = Number(process.env.BENCH_BUDGET ?? 3000);
const jobLong = Number(process.env.BENCH_JOB_LONG ?? 10_000);
const jobShort = Number(process.env.BENCH_JOB_SHORT ?? 400);

export const LOG_LINE = 1024;
export const LOG_BYTES = 5 * 1024 * 1024;

/** One line to the parent, synchronously, so it is never lost whatever ends the process. */
export function control(line) {
  const buffer = Buffer.from(`${line}\n`);
  let offset = 0;
  while (offset < buffer.length) {
    try {
      offset += writeSync(3, buffer, offset);
    } catch (error) {
      if (error.code !== 'EAGAIN') return;
    }
  }
}

const logRequests = scenario === 'load' || scenario === 'inflight';

export const server = createServer((req, res) => {
  const query = req.url.indexOf('?');
  const path = query === -1 ? req.url : req.url.slice(0, query);
  const params = new URLSearchParams(query === -1 ? '' : req.url.slice(query + 1));
  const id = params.get('id');
  if (logRequests && id !== null) control(`REQ ${id}`);
  if (path === '/slow') {
    const ms = Number(params.get('ms') ?? 1000);
    setTimeout(() => res.end('slow ok\n'), ms);
    return;
  }
  res.end('ok\n');
});

export function listen() {
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      // As most services do; it also means no implementation pays for stdout's first use at exit.
      console.log(`listening on http://127.0.0.1:${server.address().port}`);
      control(`READY ${server.address().port}`);
      resolve();
    });
  });
}

// ---- background work: messages from a queue and jobs from a scheduler (scenario "jobs") ----

/**
 * A message or a job. `execute(signal)` does the work and acks it; `nack()` hands it back.
 * Both end with an asynchronous round trip (5 ms), as a real broker's would.
 */
function makeTask(id, ms) {
  control(`START ${id}`);
  return {
    id,
    execute(signal) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(resolve, ms);
        signal.addEventListener('abort', () => {
          clearTimeout(timer);
          reject(signal.reason);
        }, { once: true });
      }).then(async () => {
        await sleep(5);
        control(`ACK ${id}`);
      });
    },
    async nack() {
      await sleep(5);
      control(`NACK ${id}`);
    },
  };
}

/**
 * The intake: a consumer takes a message every 25 ms and a scheduler starts a job every 100 ms.
 * Every 4th message and every 5th job would take BENCH_JOB_LONG (longer than the budget);
 * the others take BENCH_JOB_SHORT. `runner(task)` decides how the work is tracked.
 */
export const work = {
  runner: undefined,
  consumer: undefined,
  scheduler: undefined,
  start(runner) {
    this.runner = runner;
    let messages = 0;
    let jobs = 0;
    this.consumer = setInterval(() => {
      messages++;
      runner(makeTask(`msg-${messages}`, messages % 4 === 0 ? jobLong : jobShort));
    }, 25);
    this.scheduler = setInterval(() => {
      jobs++;
      runner(makeTask(`job-${jobs}`, jobs % 5 === 0 ? jobLong : jobShort));
    }, 100);
  },
  stopConsumer() {
    clearInterval(this.consumer);
  },
  stopScheduler() {
    clearInterval(this.scheduler);
  },
};

// The hand-written drain the implementations without a drain/abandon concept get: track each
// task in a set, and at shutdown stop the intake, wait for the set until 85% of the budget,
// then abort what is left and hand it back.
const inflight = new Set();

function handRunner(task) {
  const controller = new AbortController();
  const entry = { task, controller, done: undefined };
  entry.done = task.execute(controller.signal).catch(() => {}).finally(() => inflight.delete(entry));
  inflight.add(entry);
}

// Stop waiting at 85% of the budget, keeping the rest for the hand-backs and the exit, much as
// lastcall keeps 12% (its exit and abandon reserves).
const DRAIN_SHARE = 0.85;

async function drainByHand() {
  const deadline = performance.now() + budget * DRAIN_SHARE;
  work.stopConsumer();
  work.stopScheduler();
  if (inflight.size > 0) {
    let timer;
    const timeout = new Promise((resolve) => (timer = setTimeout(resolve, Math.max(0, deadline - performance.now()))));
    await Promise.race([Promise.all([...inflight].map((entry) => entry.done)), timeout]);
    clearTimeout(timer);
  }
  const left = [...inflight];
  inflight.clear();
  await Promise.all(left.map((entry) => (entry.controller.abort(), entry.task.nack())));
}

/** Starts the scenario's background work with the hand-written tracking (lastcall passes its own). */
export function startWork(runner = handRunner) {
  if (scenario === 'jobs') work.start(runner);
}

// ---- the application's own cleanup step, run after the HTTP server is closed ----

function writeLog() {
  const line = `LOG ${'x'.repeat(LOG_LINE - 5)}\n`;
  for (let written = 0; written < LOG_BYTES; written += LOG_LINE) process.stdout.write(line);
}

function hang() {
  // A client whose close never returns, and whose socket (here a timer) keeps the loop alive.
  setInterval(() => {}, 1_000);
  return new Promise(() => {});
}

/**
 * The cleanup an application runs once its server is closed: the hand-written drain (jobs),
 * 5 MiB of shutdown log (log), a close that never returns (hung), or nothing.
 * With `lastcall`, the drain is lastcall's own and this step does not drain.
 */
export async function cleanup({ drain = true } = {}) {
  if (scenario === 'jobs' && drain) await drainByHand();
  if (scenario === 'log') writeLog();
  if (scenario === 'hung') await hang();
}
