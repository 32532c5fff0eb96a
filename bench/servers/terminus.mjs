// @godaddy/terminus, as its README wires it: createTerminus(server, { signal, timeout, onSignal }).
// `timeout` is stoppable's grace for open connections. After onSignal it re-sends the signal
// (its default; useExit0 would exit 0 instead).
import terminus from '@godaddy/terminus';
import { budget, cleanup, listen, server, startWork } from './common.mjs';

terminus.createTerminus(server, {
  signal: 'SIGTERM',
  timeout: budget,
  onSignal: () => cleanup(),
});

await listen();
startWork();
