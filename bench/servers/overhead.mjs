// The overhead scenario's server: the smallest handler (so any per-request cost shows at its
// largest), with or without lastcall attached. BENCH_ATTACH:
//   none       a plain http server
//   coordinator  new ShutdownCoordinator() alone: lastcall loaded and listening for signals, the server not added
//   lastcall   new ShutdownCoordinator() + addServer(server), as the README wires it
//   run        the same, after one coordinator.run() call, as a service that runs its queue work
//              through run() would be: that turns on AsyncLocalStorage (async_hooks on Node 20)
// BENCH_AWAITS: awaits in the handler before it answers (default 0), as async middleware has.
import { createServer } from 'node:http';
import { control } from './common.mjs';

const awaits = Number(process.env.BENCH_AWAITS ?? 0);
// GET /cpu answers the process's CPU time so far (µs, user + system): the orchestrator reads it
// before and after a measured run, for CPU time per request, steadier than requests/s on a
// busy machine.
const cpu = (res) => {
  const { user, system } = process.cpuUsage();
  res.end(String(user + system));
};
const server = createServer(
  awaits === 0
    ? (req, res) => (req.url === '/cpu' ? cpu(res) : res.end('ok\n'))
    : async (req, res) => {
        if (req.url === '/cpu') return cpu(res);
        for (let i = 0; i < awaits; i++) await null;
        res.end('ok\n');
      },
);
const attach = process.env.BENCH_ATTACH ?? 'none';
if (attach !== 'none') {
  // ../dist, or the snapshot of it that run.mjs takes at its start (BENCH_LASTCALL). The plain
  // server does not load it at all: its baseline is a service without lastcall.
  const { ShutdownCoordinator } = await import(process.env.BENCH_LASTCALL ?? '../../dist/index.js');
  const coordinator = new ShutdownCoordinator({ timeout: 3_000 });
  if (attach !== 'coordinator') coordinator.addServer(server);
  if (attach === 'run') await coordinator.run(() => {});
}
server.listen(0, '127.0.0.1', () => control(`READY ${server.address().port}`));
