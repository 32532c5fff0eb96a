import type { IncomingMessage, ServerResponse } from 'node:http';

/** Where the service is, as a readiness probe sees it. */
export type Readiness = 'starting' | 'ready' | 'stopping';

/**
 * A request handler that answers 200 `ready`, or 503 `starting` or `stopping` (the latter with
 * `Connection: close`). `onProbe` hears of each request it answers: a probe, not traffic.
 */
export function readinessHandler(readiness: () => Readiness, onProbe: (req: IncomingMessage) => void): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    onProbe(req);
    const now = readiness();
    res.statusCode = now === 'ready' ? 200 : 503;
    res.setHeader('content-type', 'text/plain; charset=utf-8');
    // A probe's connection to an instance that is going away should not be kept for the next probe.
    if (now === 'stopping') res.setHeader('connection', 'close');
    res.end(`${now}\n`);
  };
}
