import type { ServerResponse } from 'node:http';

/**
 * One HTTP/1 connection as the protocol sees it. `busy` while a request is in flight: its
 * headers are in (a `request`, `checkContinue` or `checkExpectation` event) and its response has
 * not closed, or its body is still arriving. Between requests it is idle, unless bytes have come
 * in since: a request is then on its way, however slowly its headers arrive.
 */
export interface Connection {
  /** Responses not yet closed, oldest first: more than one when requests are pipelined. */
  readonly responses: ServerResponse[];
  /** Set once the socket has left our hands: closed idle, upgraded, or handed to its TLS side. */
  gone: boolean;
  /** A request is still arriving: its first bytes are in and not yet its headers, or its body after its response closed. */
  receiving: boolean;
  idleSince: number;
  /** `bytesRead` when it went idle: more means a request is arriving. */
  bytesAtIdle: number;
  timer: NodeJS.Timeout | undefined;
}

/**
 * From the trigger on, decides as `res`'s head goes out whether it says `Connection: close`: when
 * it is the last response known on its connection. An earlier one of pipelined requests keeps the
 * socket for the later ones. A Connection header the application set is left as it is.
 */
export function closeAtHead(res: ServerResponse, connection: Connection): void {
  if (res.headersSent) return;
  const writeHead = res.writeHead;
  // Node's implicit header (a write() or end() without writeHead()) comes through writeHead too.
  res.writeHead = function (this: ServerResponse, ...args: Parameters<ServerResponse['writeHead']>) {
    res.writeHead = writeHead;
    if (connection.responses.at(-1) === res && !res.hasHeader('connection')) {
      res.setHeader('connection', 'close');
      closedByDrain.add(res);
    }
    return writeHead.apply(this, args);
  } as ServerResponse['writeHead'];
}

/** Responses to which the drain, not the application, gave `Connection: close`. */
const closedByDrain = new WeakSet<ServerResponse>();

/**
 * A request parsed after an earlier response on its connection went out with the drain's
 * `Connection: close` (its head was written before the pipelined bytes behind it were parsed):
 * Node has handed it to the application all the same, and would end the socket after that earlier
 * response, losing this one's. Node's own flag for it (`_last`) is cleared, so the socket stays
 * for this response too.
 */
export function keepSocketFor(earlier: readonly ServerResponse[]): void {
  for (const res of earlier) {
    const flagged = res as ServerResponse & { _last?: boolean };
    if (closedByDrain.has(res) && res.headersSent && flagged._last === true) flagged._last = false;
  }
}
