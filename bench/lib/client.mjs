// The load side of the idle and load scenarios, in a process of its own, so that handling
// thousands of socket events never delays the orchestrator's view of the server's exit.
// One client process serves many runs. Driven over IPC:
//   { cmd: 'idle', port, n }           open n keep-alive connections, one request each -> 'opened'
//   { cmd: 'status' }                  how many are still open -> 'status'
//   { cmd: 'load', port, connections } start a closed loop of keep-alive clients -> 'loading'
//   { cmd: 'mark' }                    note the count answered so far -> 'marked'
//   { cmd: 'stop' }                    end the run, close everything -> 'stopped' with the tallies
// Connects to 127.0.0.1 only. Exits when the orchestrator disconnects.
import { Agent, request } from 'node:http';
import { connect } from 'node:net';

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const send = (message) => process.send(message);

let run = newRun();

function newRun() {
  return { sockets: [], closed: 0, resets: 0, running: false, next: 0, answered: 0, refused: 0, marked: 0, failures: [], loops: [], agent: undefined };
}

// ---- idle keep-alive connections ----

function openOne(state, port, i) {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' });
    socket.setNoDelay(true);
    let answered = false;
    socket.once('connect', () => socket.write(`GET /fast?id=${i} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`));
    socket.on('data', (chunk) => {
      if (!answered && chunk.includes('ok\n')) {
        answered = true;
        resolve(true);
      }
    });
    socket.on('error', () => state.resets++);
    socket.once('close', () => {
      state.closed++;
      if (!answered) resolve(false);
    });
    state.sockets.push(socket);
  });
}

async function openIdle(state, port, n) {
  const started = performance.now();
  let ok = 0;
  let next = 0;
  // A sliding window of connections being opened: a burst of 10,000 SYNs would overflow the
  // listen backlog (511) and cost 1 s SYN retries.
  const window = 400;
  const worker = async () => {
    while (next < n) {
      const i = next++;
      if (await openOne(state, port, i)) ok++;
    }
  };
  await Promise.all(Array.from({ length: Math.min(window, n) }, worker));
  send({ type: 'opened', answered: ok, setupMs: performance.now() - started });
}

// ---- a closed loop of keep-alive clients ----

function get(agent, port, path) {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path, agent }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => (body += chunk));
      res.on('end', () => resolve({ ok: res.statusCode === 200 && body === 'ok\n', status: res.statusCode }));
      res.on('error', (error) => resolve({ ok: false, error: error.code ?? error.message }));
    });
    req.setTimeout(5_000, () => req.destroy(Object.assign(new Error('client timeout'), { code: 'CLIENT_TIMEOUT' })));
    req.on('error', (error) => resolve({ ok: false, error: error.code ?? error.message }));
    req.end();
  });
}

function startLoad(state, port, connections) {
  state.agent = new Agent({ keepAlive: true, maxSockets: connections });
  state.running = true;
  const loop = async () => {
    while (state.running) {
      const id = state.next++;
      const response = await get(state.agent, port, `/fast?id=${id}`);
      if (response.ok) state.answered++;
      else if (response.error === 'ECONNREFUSED') {
        state.refused++;
        await sleep(5);
      } else state.failures.push({ id: String(id), error: response.error ?? `status ${response.status}` });
    }
  };
  for (let i = 0; i < connections; i++) state.loops.push(loop());
}

async function stop(state) {
  state.running = false;
  let timer;
  await Promise.race([Promise.all(state.loops), new Promise((resolve) => (timer = setTimeout(resolve, 10_000)))]);
  clearTimeout(timer);
  state.agent?.destroy();
  for (const socket of state.sockets) socket.destroy();
  send({
    type: 'stopped',
    closed: state.closed,
    resets: state.resets,
    answeredBefore: state.marked,
    answeredAfter: state.answered - state.marked,
    refused: state.refused,
    failures: state.failures,
  });
}

process.on('message', async (message) => {
  if (message.cmd === 'idle') {
    run = newRun();
    await openIdle(run, message.port, message.n);
  } else if (message.cmd === 'status') send({ type: 'status', open: run.sockets.length - run.closed });
  else if (message.cmd === 'load') {
    run = newRun();
    startLoad(run, message.port, message.connections);
    send({ type: 'loading' });
  } else if (message.cmd === 'mark') {
    run.marked = run.answered;
    send({ type: 'marked' });
  } else if (message.cmd === 'stop') await stop(run);
});
process.on('disconnect', () => {
  run.running = false;
  for (const socket of run.sockets) socket.destroy();
  run.agent?.destroy();
});
