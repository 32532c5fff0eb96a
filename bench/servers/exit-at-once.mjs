// Reference for the idle scenario only, not an implementation: process.exit() at SIGTERM,
// closing nothing. What is left is the cost of ending a process that holds N sockets (the
// kernel closes them), the floor under any graceful shutdown.
import { listen } from './common.mjs';

process.once('SIGTERM', () => process.exit(0));

await listen();
