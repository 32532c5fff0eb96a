import type { IncomingMessage, Server as HttpServer, ServerResponse } from 'node:http';
import type { Http2SecureServer, Http2Server, ServerHttp2Session } from 'node:http2';
import type { Server as HttpsServer } from 'node:https';
import type { Server as NetServer, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import { describeError } from '../report/describe-error.js';
import type { Log } from '../report/log.js';
import { afterPoll } from '../runtime/after-poll.js';
import { builtin } from '../runtime/builtin.js';
import type { Arrivals } from './arrivals.js';
import { closeAtHead, keepSocketFor, type Connection } from './connection.js';
import { followListeners, keepListening } from './server-listeners.js';
import { bytesReadBy, bytesWrittenBy, parsedBy, remoteOf } from './socket-state.js';

/** A server `addServer()` drains: `http`, `https`, or `http2` (with or without `allowHTTP1`). */
export type DrainableServer = HttpServer | HttpsServer | Http2Server | Http2SecureServer;

/** Options of `addServer()`. */
export interface AddServerOptions {
  /** Names the server's `close-http` hook in the log and the report. Default `http server`. */
  readonly name?: string;
  /** Milliseconds the drain may take; never more than the phase allows. */
  readonly timeout?: number;
  /**
   * Called for each upgraded socket (WebSocket, CONNECT) when `close-http` starts, so the
   * application can say goodbye (a WebSocket close frame, 1001). Sockets still open at the
   * deadline are destroyed.
   */
  readonly onUpgraded?: (socket: Duplex, request: IncomingMessage) => void;
}

/** What the drain of one server did with its connections. */
export interface ServerReport {
  readonly name: string;
  /** Keep-alive connections closed while idle, with no request on them. */
  readonly idleClosed: number;
  /** Connections, HTTP/2 sessions and upgraded sockets that ended on their own during the drain. */
  readonly finished: number;
  /** Whatever was still open at the deadline, destroyed. */
  readonly destroyed: number;
  /** Upgraded sockets handed to `onUpgraded`. */
  readonly upgraded: number;
}

// A keep-alive socket that went idle less than this long ago may have its client's next
// request already on the wire: closing it now would reset that request, so it gets this
// long for one more request, answered with `Connection: close`.
export const IDLE_GRACE = 100;

/** How a drain is set up, besides its server. */
export interface DrainSettings {
  readonly name: string;
  readonly onUpgraded: AddServerOptions['onUpgraded'];
  readonly log: Log;
  /** Where requests are noted as they arrive, for an adaptive readiness delay. */
  readonly arrivals: Arrivals | undefined;
}

/**
 * Tracks one server's connections from the moment it is added, and drains them: stop listening,
 * `Connection: close` on the last response of each connection, idle sockets closed (with a grace
 * for the just-idle), HTTP/2 sessions sent GOAWAY, upgraded sockets handed to `onUpgraded`, the
 * rest destroyed at the deadline.
 */
export class ServerDrain {
  readonly #server: NetServer;
  readonly #name: string;
  readonly #onUpgraded: AddServerOptions['onUpgraded'];
  readonly #log: Log;
  readonly #arrivals: Arrivals | undefined;
  readonly #sockets = new Set<Socket>();
  /** TLS sockets before their handshake, by remote address: idle until they say what they speak. */
  readonly #handshaking = new Map<string, Socket>();
  readonly #connections = new Map<Duplex, Connection>();
  readonly #upgraded = new Map<Duplex, IncomingMessage>();
  readonly #sessions = new Set<ServerHttp2Session>();
  readonly #detachers: (() => void)[] = [];
  #closing = false;
  #draining = false;
  /** From the drain's start until its listener is closed (a poll later; on Bun, a grace later). */
  #listenerOpen = false;
  #listenerGrace: NodeJS.Timeout | undefined;
  /** Idle sockets to look at once more after the next poll for I/O: one timer for all of them. */
  readonly #toLookAt = new Map<Duplex, Connection>();
  #atDeadline = false;
  #drained: (() => void) | undefined;
  #idleClosed = 0;
  #finished = 0;
  #destroyed = 0;
  #upgradedCount = 0;

  constructor(server: DrainableServer, { name, onUpgraded, log, arrivals }: DrainSettings) {
    this.#server = server;
    this.#name = name;
    this.#onUpgraded = onUpgraded;
    this.#log = log;
    this.#arrivals = arrivals;
    // https and http2's secure servers are TLS servers; telling them by a method keeps node:tls unloaded.
    const tls = typeof (server as { addContext?: unknown }).addContext === 'function';
    const http2 = typeof (server as Partial<Http2Server>).updateSettings === 'function';
    // Plain-text connections speak HTTP/1 unless the server is HTTP/2 (h2c); TLS ones say so after the handshake.
    this.#listen('connection', (socket: Socket) => this.#onSocket(socket, !tls && !http2, tls));
    if (tls) this.#listen('secureConnection', (socket: TLSSocket) => this.#onSecureSocket(socket));
    this.#listen('request', (req: IncomingMessage, res: ServerResponse) => this.#onRequest(req, res), true);
    this.#listen('session', (session: ServerHttp2Session) => this.#onSession(session));
    // A new HTTP/2 stream is a request arriving; HTTP/1 ones are noted as their 'request' comes.
    if (http2 && arrivals !== undefined) this.#listen('stream', (stream: object) => arrivals.note(stream));
    // A listen() that completes after the trigger (a start-up still resolving 'localhost', or one
    // overtaken by SIGTERM) must not open the port in the middle of the drain.
    this.#refuseLateListen();
    this.#listen('listening', () => this.#closing && this.#closeListenerAtOnce());
    // Requests that carry Expect reach the application through these events instead of 'request'.
    this.#followListeners('checkContinue', (req, res) => this.#onRequest(req, res as ServerResponse));
    this.#followListeners('checkExpectation', (req, res) => this.#onRequest(req, res as ServerResponse));
    this.#followListeners('upgrade', (req, socket) => this.#onUpgrade(req, socket as Duplex));
    this.#followListeners('connect', (req, socket) => this.#onUpgrade(req, socket as Duplex));
  }

  /**
   * From the trigger on, the last response of every connection says `Connection: close`, so
   * clients move elsewhere. Only the last: closing after an earlier one of pipelined requests
   * would end the socket before the later responses are written.
   */
  endKeepAlive(): void {
    if (this.#closing) return;
    this.#closing = true;
    for (const connection of this.#connections.values()) for (const res of connection.responses) closeAtHead(res, connection);
  }

  /** Drains until every connection has ended, or destroys what is left when `signal` aborts. */
  drain(signal: AbortSignal): Promise<void> {
    this.#draining = true;
    this.endKeepAlive();
    for (const session of this.#sessions) session.close();
    for (const [socket, request] of this.#upgraded) this.#tellUpgraded(socket, request);
    // After the loop's next poll: a hook may run before the loop has read what came in meanwhile.
    // The poll accepts every connection already in the listener's queue (which closing first
    // would reset) and reads every request already sent on an idle socket.
    this.#listenerOpen = true;
    afterPoll(() => {
      this.#stopListening();
      for (const [socket, connection] of this.#connections) this.#closeWhenIdle(socket, connection);
    }, false);
    return new Promise((resolve) => {
      this.#drained = resolve;
      signal.addEventListener('abort', () => this.#destroyAll(), { once: true });
    });
  }

  /** Removes every listener it added to the server. */
  detach(): void {
    for (const detach of this.#detachers.splice(0)) detach();
  }

  /** What the drain did with the connections, so far. */
  report(): ServerReport {
    return { name: this.#name, idleClosed: this.#idleClosed, finished: this.#finished, destroyed: this.#destroyed, upgraded: this.#upgradedCount };
  }

  /**
   * Closes the listener, not the idle sockets: http's close also closes those at once, resetting
   * requests on the wire, so a `net.Server` gets net's own close. A listener still open after
   * that is not net's: Bun's `http.Server` runs on Bun.serve, and its only close also closes every
   * idle socket. That close waits until the sockets idle now have had their grace and a poll.
   */
  #stopListening(): void {
    const server = this.#server;
    const net = builtin('node:net');
    if (server.listening && server instanceof net.Server) net.Server.prototype.close.call(server);
    if (!server.listening) return this.#listenerClosed();
    this.#listenerOpen = true;
    this.#listenerGrace ??= setTimeout(() => afterPoll(() => this.#closeOwnListener(), false), IDLE_GRACE);
  }

  /**
   * Keeps a listener from opening after the trigger: net binds through `_listen2` (also after a
   * DNS lookup), which is skipped then, so the port is never open for a connection to be queued
   * on. A cluster worker's handle is the primary's, which counts the worker as listening already:
   * it is set up so that the 'listening' listener can close it, which tells the primary. Bun has no
   * `_listen2` and binds inside `listen()`: a call after the trigger is refused there; one made
   * before it that completes after is closed as it opens.
   */
  #refuseLateListen(): void {
    type Bind = (...args: unknown[]) => unknown;
    const server = this.#server as unknown as Record<'_listen2' | 'listen', Bind | undefined> & { _handle?: unknown };
    const method = typeof server._listen2 === 'function' ? '_listen2' : 'listen';
    const bind = server[method];
    if (typeof bind !== 'function') return;
    const guarded = (...args: unknown[]): unknown => {
      if (!this.#closing || server._handle != null) return bind.apply(server, args);
      this.#log.warn(`"${this.#name}" was asked to listen after the shutdown started: not opened`);
      return method === 'listen' ? server : undefined;
    };
    server[method] = guarded;
    this.#detachers.push(() => {
      if (server[method] === guarded) delete server[method];
    });
  }

  /**
   * Any close will do, at once: for a listener that opened after the trigger, which has no idle
   * sockets to spare, and at the deadline or the end of Bun's grace.
   */
  #closeListenerAtOnce(): void {
    const server = this.#server;
    const net = builtin('node:net');
    if (server instanceof net.Server) net.Server.prototype.close.call(server);
    // Bun's http.Server, which is no net.Server.
    else (server as { close(): void }).close();
  }

  #closeOwnListener(): void {
    clearTimeout(this.#listenerGrace);
    if (this.#server.listening) this.#closeListenerAtOnce();
    this.#listenerClosed();
  }

  #listenerClosed(): void {
    this.#listenerOpen = false;
    this.#checkDrained();
  }

  #onSocket(socket: Socket, speaksHttp1: boolean, tls: boolean): void {
    this.#sockets.add(socket);
    const key = tls ? remoteOf(socket) : undefined;
    // A TLS connection that never finishes its handshake (a browser's preconnect, a health
    // check) is as idle as a plain one that never sent a request.
    const connection = speaksHttp1 || key !== undefined ? this.#track(socket, false) : undefined;
    if (key !== undefined) this.#handshaking.set(key, socket);
    // One listener does all of a socket's bookkeeping: at 10,000 connections, every listener
    // more on 'close' shows in the time the drain takes.
    socket.on('close', () => {
      this.#sockets.delete(socket);
      if (connection !== undefined) this.#forget(socket, connection);
      if (key !== undefined && this.#handshaking.get(key) === socket) this.#handshaking.delete(key);
      this.#checkDrained();
    });
  }

  #onSecureSocket(socket: TLSSocket): void {
    const raw = this.#handshaking.get(remoteOf(socket));
    if (raw !== undefined) {
      this.#handshaking.delete(remoteOf(socket));
      // Bun's 'connection' hands over the TLS socket itself, not the TCP one under it: already
      // tracked, with its close counted, it stays as it is unless it speaks HTTP/2.
      if (raw === socket && socket.alpnProtocol !== 'h2') return;
      this.#untrack(raw);
    }
    // An HTTP/2 connection is drained through its session; only HTTP/1 over TLS is tracked here.
    if (socket.alpnProtocol !== 'h2') this.#track(socket);
  }

  /** `listen: false` when the caller's own 'close' listener calls `#forget`. */
  #track(socket: Duplex, listen = true): Connection {
    const connection: Connection = { responses: [], gone: false, receiving: false, idleSince: performance.now(), bytesAtIdle: bytesReadBy(socket), timer: undefined };
    this.#connections.set(socket, connection);
    if (listen) socket.on('close', () => this.#forget(socket, connection));
    if (this.#draining) this.#closeWhenIdle(socket, connection);
    return connection;
  }

  #forget(socket: Duplex, connection: Connection): void {
    clearTimeout(connection.timer);
    if (this.#connections.delete(socket) && this.#draining && !this.#atDeadline && !connection.gone) this.#finished++;
  }

  #untrack(socket: Duplex): void {
    const connection = this.#connections.get(socket);
    if (connection === undefined) return;
    clearTimeout(connection.timer);
    connection.gone = true;
    this.#connections.delete(socket);
  }

  #onRequest(req: IncomingMessage, res: ServerResponse): void {
    if (req.httpVersionMajor === 2) return;
    this.#arrivals?.note(req);
    const connection = this.#connections.get(req.socket) ?? this.#track(req.socket);
    clearTimeout(connection.timer);
    connection.receiving = false;
    keepSocketFor(connection.responses);
    connection.responses.push(res);
    if (this.#closing) closeAtHead(res, connection);
    res.once('close', () => {
      const at = connection.responses.indexOf(res);
      if (at !== -1) connection.responses.splice(at, 1);
      if (connection.responses.length > 0) return;
      // A response may close before its request's body is all in (a 413, an early answer): the
      // connection is busy until the parser is done with it.
      if (req.complete || req.destroyed) this.#becameIdle(req.socket, connection);
      else {
        connection.receiving = true;
        const done = (): void => {
          if (connection.responses.length === 0 && connection.receiving) this.#becameIdle(req.socket, connection);
        };
        req.once('end', done).once('close', done);
      }
    });
  }

  #becameIdle(socket: Duplex, connection: Connection): void {
    connection.receiving = false;
    connection.idleSince = performance.now();
    connection.bytesAtIdle = bytesReadBy(socket);
    if (this.#draining) this.#closeWhenIdle(socket, connection);
  }

  #onSession(session: ServerHttp2Session): void {
    this.#sessions.add(session);
    session.once('close', () => {
      this.#sessions.delete(session);
      if (this.#draining && !this.#atDeadline) this.#finished++;
    });
    if (this.#draining) session.close();
  }

  #onUpgrade(req: IncomingMessage, socket: Duplex): void {
    // The socket has left HTTP: it is the application's protocol now.
    this.#untrack(socket);
    this.#upgraded.set(socket, req);
    socket.once('close', () => {
      this.#upgraded.delete(socket);
      if (this.#draining && !this.#atDeadline) this.#finished++;
    });
    if (this.#draining) this.#tellUpgraded(socket, req);
  }

  #closeWhenIdle(socket: Duplex, connection: Connection): void {
    clearTimeout(connection.timer);
    if (connection.responses.length > 0 || connection.receiving || connection.gone) return;
    const wait = Math.max(0, IDLE_GRACE - (performance.now() - connection.idleSince));
    connection.timer = setTimeout(() => this.#lookAfterPoll(socket, connection), wait);
  }

  /** The last look at an idle socket comes after a prompt poll, so that a request already sent is read first. */
  #lookAfterPoll(socket: Duplex, connection: Connection): void {
    this.#toLookAt.set(socket, connection);
    if (this.#toLookAt.size > 1) return;
    afterPoll(() => {
      const batch = [...this.#toLookAt];
      this.#toLookAt.clear();
      for (const [each, itsConnection] of batch) this.#closeIdle(each, itsConnection);
    }, true);
  }

  #closeIdle(socket: Duplex, connection: Connection): void {
    if (connection.responses.length > 0 || connection.receiving || connection.gone || socket.destroyed) return;
    if (bytesReadBy(socket) !== connection.bytesAtIdle) {
      // A request's first bytes are in, its headers not yet: the parser counts it as a message in
      // progress, and so do we, until its headers are in or the deadline, however slow it is.
      connection.receiving = true;
      this.#watchArrival(socket, connection);
      return;
    }
    connection.gone = true;
    this.#idleClosed++;
    socket.destroy();
    // A plain TCP socket's descriptor is closed by now; its 'close' event, a loop turn later,
    // is bookkeeping that took longer than the closes themselves at 10,000 connections.
    if (this.#sockets.delete(socket as Socket)) this.#checkDrained();
  }

  /**
   * A request whose headers are arriving is done with once they are ('request' clears
   * `receiving`), or once Node has answered it itself, with no event for it (a 417 to an Expect
   * that no `checkExpectation` listener handles): bytes written say it has answered, and its
   * parser whether the body the request announced is all in (on Node; elsewhere the answer is
   * taken as the end).
   */
  #watchArrival(socket: Duplex, connection: Connection, answered = false): void {
    const written = bytesWrittenBy(socket);
    connection.timer = setTimeout(() => {
      if (!connection.receiving || connection.responses.length > 0 || connection.gone || socket.destroyed) return;
      const hasAnswered = answered || bytesWrittenBy(socket) !== written;
      if (hasAnswered && parsedBy(socket)?.complete !== false) this.#becameIdle(socket, connection);
      else this.#watchArrival(socket, connection, hasAnswered);
    }, IDLE_GRACE);
  }

  #tellUpgraded(socket: Duplex, request: IncomingMessage): void {
    this.#upgradedCount++;
    if (this.#onUpgraded === undefined) return;
    try {
      this.#onUpgraded(socket, request);
    } catch (error) {
      this.#log.error(`onUpgraded of "${this.#name}" threw: ${describeError(error)}`);
    }
  }

  #destroyAll(): void {
    this.#atDeadline = true;
    this.#closeOwnListener();
    for (const socket of this.#sockets) {
      if (socket.destroyed) continue;
      this.#destroyed++;
      socket.destroy();
    }
    for (const session of this.#sessions) session.destroy();
    // Sockets accepted before addServer() are not ours to count, but must not outlive the deadline.
    (this.#server as Partial<HttpServer>).closeAllConnections?.();
    this.#drained?.();
  }

  #checkDrained(): void {
    if (this.#draining && !this.#listenerOpen && this.#sockets.size === 0) this.#drained?.();
  }

  #followListeners(event: string, handler: (req: IncomingMessage, second: unknown) => void): void {
    this.#detachers.push(followListeners(this.#server, event, handler));
  }

  #listen(event: string, listener: (...args: never[]) => void, first = false): void {
    this.#detachers.push(keepListening(this.#server, event, listener, first));
  }
}
