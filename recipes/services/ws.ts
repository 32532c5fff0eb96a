import { once } from 'node:events';
import { createServer } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { ShutdownCoordinator } from 'lastcall';

const coordinator = new ShutdownCoordinator();

const server = createServer((req, res) => {
  if (req.url === '/ready') return coordinator.readinessHandler(req, res);
  res.statusCode = 404;
  res.end();
});
const wss = new WebSocketServer({ server });

async function handle(message: RawData): Promise<string> {
  await sleep(200); // the work a message does
  return `done ${message}`;
}

const inFlight = new Map<WebSocket, Set<Promise<unknown>>>();
wss.on('connection', (ws) => {
  const replies = new Set<Promise<unknown>>();
  inFlight.set(ws, replies);
  ws.on('close', () => inFlight.delete(ws));
  ws.on('message', (message) => {
    // From the SIGTERM on, say so rather than start work the socket may not live to answer.
    if (coordinator.signal.aborted) return void ws.send(`refused ${message}: shutting down`);
    const reply = handle(message).then((text) => ws.send(text));
    replies.add(reply);
    void reply.finally(() => replies.delete(reply));
  });
});

coordinator.addServer(server);
// Beside the HTTP drain: each WebSocket gets its close frame (1001, going away) as soon as its replies
// under way have gone out, not at the deadline; one left open would hold close-http for its whole slice.
coordinator.register({
  name: 'websockets',
  phase: 'close-http',
  run: ({ signal }) =>
    new Promise<void>((resolve) => {
      signal.addEventListener('abort', () => {
        for (const ws of wss.clients) ws.terminate();
      });
      for (const [ws, replies] of inFlight) void Promise.allSettled(replies).then(() => ws.close(1001, 'server shutting down'));
      wss.close(() => resolve()); // calls back once every client has gone
    }),
});

await coordinator.start(async () => {
  server.listen(Number(process.env.PORT ?? 3000), process.env.HOST);
  await once(server, 'listening');
});
