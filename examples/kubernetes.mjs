// Kubernetes removes a pod from its Services at the same time as it sends SIGTERM, so load
// balancers keep sending requests for a few seconds. readinessDelay keeps serving meanwhile,
// with /ready answering 503 and every response saying Connection: close; then the drain runs.
// Run: npm run build && node examples/kubernetes.mjs, then: kill -TERM <pid>
//
// In the pod spec: terminationGracePeriodSeconds above timeout (default 30 s), and
//   readinessProbe: { httpGet: { path: /ready, port: 3000 }, periodSeconds: 1, failureThreshold: 1 }
import { createServer } from 'node:http';
import { ShutdownCoordinator } from 'lastcall';

const coordinator = new ShutdownCoordinator({ timeout: 20_000, readinessDelay: 5_000 });
const server = createServer((req, res) => {
  if (req.url === '/ready') return coordinator.readinessHandler(req, res);
  res.end('hello\n');
});
coordinator.addServer(server);
// /ready answers 503 "starting" until this has completed: no traffic before the server can serve it.
await coordinator.start(async () => {
  await new Promise((resolve) => server.listen(Number(process.env.PORT ?? 3000), resolve));
  console.log(`listening on ${server.address().port}, pid ${process.pid}`);
});
