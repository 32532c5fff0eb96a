import { once } from 'node:events';
import { createServer } from 'node:http';
import { expect, it } from 'vitest';
import { recordCounts } from './helpers/counts.js';
import { describeDrain, drainUnderLoad, expectCleanDrain } from './helpers/http-recipe.js';

interface ExportRequest {
  resourceSpans: { resource: { attributes: { key: string; value: { stringValue?: string } }[] }; scopeSpans: { spans: { name: string }[] }[] }[];
}

it('opentelemetry: the spans of every request, those drained after SIGTERM included, reach the collector; exit 0', async () => {
  const spans: string[] = [];
  let exports = 0;
  const services = new Set<string | undefined>();
  // An OTLP/HTTP receiver on loopback, standing in for the collector.
  const collector = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      exports++;
      for (const resourceSpans of (JSON.parse(body) as ExportRequest).resourceSpans) {
        services.add(resourceSpans.resource.attributes.find((attribute) => attribute.key === 'service.name')?.value.stringValue);
        for (const scope of resourceSpans.scopeSpans) spans.push(...scope.spans.map((span) => span.name));
      }
      res.setHeader('content-type', 'application/json');
      res.end('{}');
    });
  });
  collector.listen(0, '127.0.0.1');
  await once(collector, 'listening');
  const { port } = collector.address() as { port: number };
  try {
    const drained = await drainUnderLoad('opentelemetry', { env: { OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}` } });
    expectCleanDrain(drained);
    expect(spans.filter((name) => name === 'GET /orders')).toHaveLength(drained.load.answered);
    expect([...services]).toEqual(['orders']);
    expect(drained.ended.output).toMatch(/lastcall: exit: ok in \d+ ms \(1 ok\)/);
    recordCounts('opentelemetry', `${describeDrain(drained)}; ${spans.length} spans exported in ${exports} batch(es), one per answered request`);
  } finally {
    collector.close();
    collector.closeAllConnections();
  }
});
