import type { IncomingMessage, ServerResponse } from 'node:http';

/** A request handler that answers 200 `ready` while `isReady()`, else 503 `stopping` with `Connection: close`. */
export function readinessHandler(isReady: () => boolean): (req: IncomingMessage, res: ServerResponse) => void {
  return (_req, res) => {
    const ready = isReady();
    res.statusCode = ready ? 200 : 503;
    res.setHeader('content-type', 'text/plain; charset=utf-8');
    if (!ready) res.setHeader('connection', 'close');
    res.end(ready ? 'ready\n' : 'stopping\n');
  };
}
