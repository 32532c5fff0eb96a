import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Arrivals } from './arrivals.js';

/** Where the service is, as a readiness probe sees it. */
export type Readiness = 'starting' | 'ready' | 'stopping';

/**
 * A request handler that answers 200 `ready`, or 503 `starting` or `stopping` (the latter with
 * `Connection: close`). The requests it answers are probes, not traffic: they leave `arrivals`.
 */
export function readinessHandler(readiness: () => Readiness, arrivals: Arrivals): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    arrivals.unnote((req as { stream?: object }).stream ?? req);
    const now = readiness();
    res.statusCode = now === 'ready' ? 200 : 503;
    res.setHeader('content-type', 'text/plain; charset=utf-8');
    // A probe's connection to an instance that is going away should not be kept for the next probe.
    if (now === 'stopping') res.setHeader('connection', 'close');
    res.end(`${now}\n`);
  };
}
