import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';

// What a socket says of its state, read the same way for a net.Socket, a TLSSocket and the
// sockets of runtimes that have fewer of these fields.

/** A socket's remote address and port: how a TLS socket is matched with the TCP one under it. */
export function remoteOf(socket: Socket): string {
  return `${socket.remoteAddress}|${socket.remotePort}`;
}

/** Bytes read from the socket so far: more than before means a request is arriving. */
export function bytesReadBy(socket: Duplex): number {
  return (socket as Partial<Socket>).bytesRead ?? 0;
}

/** The message Node's HTTP parser is on, or was last on: absent where the runtime parses elsewhere. */
export function parsedBy(socket: Duplex): IncomingMessage | null | undefined {
  return (socket as { parser?: { incoming?: IncomingMessage | null } | null }).parser?.incoming;
}

/** Bytes written to the socket so far, buffered ones included. */
export function bytesWrittenBy(socket: Duplex): number {
  return (socket as Partial<Socket>).bytesWritten ?? 0;
}
