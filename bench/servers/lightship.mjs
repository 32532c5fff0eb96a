// lightship, as its README wires it: registerShutdownHandler(() => { server.close(); }) and
// signalReady() once listening. lightship 7 ignores signals outside Kubernetes ("local mode"),
// so detectKubernetes is off, as in a pod; shutdownDelay (5 s by default there, for the
// readiness probe) is 0, as every implementation here gets no readiness delay; its probe server
// listens on a random port (nothing is sent to it). After the handlers it waits for the process
// to end on its own, and exits 1 if that takes over a second.
import { Server } from 'node:net';
import lightshipPackage from 'lightship'; // CommonJS in 7.x
import { budget, cleanup, listen, server, startWork } from './common.mjs';

// lightship hard-codes host 0.0.0.0 for its probe server; the benchmark stays on loopback.
const netListen = Server.prototype.listen;
Server.prototype.listen = function listenOnLoopback(options, ...rest) {
  const loopback = options?.host === '0.0.0.0' ? { ...options, host: '127.0.0.1' } : options;
  return netListen.call(this, loopback, ...rest);
};
const lightship = await lightshipPackage.createLightship({
  detectKubernetes: false,
  port: 0,
  shutdownDelay: 0,
  shutdownHandlerTimeout: budget,
  gracefulShutdownTimeout: budget,
});
Server.prototype.listen = netListen;

lightship.registerShutdownHandler(() => {
  server.close();
});
lightship.registerShutdownHandler(() => cleanup());

await listen();
lightship.signalReady();
startWork();
