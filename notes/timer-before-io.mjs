// Does a "no request for X ms" timer fire before the requests that arrived while the process was
// not running? Blocks this process for 600 ms (as CPU starvation would), while a client in another
// process connects and POSTs during the block; prints when each callback runs.
// Usage: node notes/timer-before-io.mjs
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';

let t0 = 0;
const at = () => (performance.now() - t0).toFixed(1);
const server = createServer((req, res) => {
  console.log(`request event at ${at()} ms`);
  res.end();
  server.close();
});
server.on('connection', () => console.log(`connection event at ${at()} ms`));
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address();
  spawn(process.execPath, ['-e', `setTimeout(() => require('http').request({ host: '127.0.0.1', port: ${port}, method: 'POST' }).end('x'), 30)`], { stdio: 'inherit' });
  t0 = performance.now();
  setTimeout(() => console.log(`50 ms quiet timer fired at ${at()} ms`), 50);
  while (performance.now() - t0 < 600);
});
