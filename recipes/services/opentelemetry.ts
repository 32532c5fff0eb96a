import { once } from 'node:events';
import { createServer } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { trace } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { ShutdownCoordinator } from 'lastcall';

// Exports to OTEL_EXPORTER_OTLP_ENDPOINT, in batches: spans wait in memory until the next batch.
const sdk = new NodeSDK({ serviceName: 'orders', traceExporter: new OTLPTraceExporter() });
sdk.start();

const coordinator = new ShutdownCoordinator();
// In exit, the last phase: the spans of every request and task drained before it are in the last batch.
// Not on SIGTERM, as the SDK's own examples do: that flushes before the drain, and drops what comes after.
coordinator.register({ name: 'opentelemetry', phase: 'exit', run: () => sdk.shutdown() });

const tracer = trace.getTracer('orders');
const server = createServer((req, res) => {
  if (req.url === '/ready') return coordinator.readinessHandler(req, res);
  void tracer.startActiveSpan('GET /orders', async (span) => {
    await sleep(300); // the work a request does
    res.end('ok');
    span.end();
  });
});
coordinator.addServer(server);

await coordinator.start(async () => {
  server.listen(Number(process.env.PORT ?? 3000), process.env.HOST);
  await once(server, 'listening');
});
