/**
 * Seeded randomized HTTP drains (issue 18): a generator of cases (a server of each protocol given
 * to addServer(), real client connections on 127.0.0.1 written at the socket level, the trigger at
 * a random instant), a runner that records what the servers and the clients saw, and an oracle.
 *
 * Clients and servers share this thread, so every observation is totally ordered: each gets a
 * sequence number and performance.now() (a Stamp). What the server did is read from its handles:
 * the instant each server-side connection sent its FIN and closed its descriptor, with the bytes
 * it had read by then, and the instant its listener closed. What a client sent is known to the
 * byte: each request's first and last byte's offset in its connection (ciphertext over TLS, the
 * same count the server's TCP handle reads).
 *
 * The one race no drain can avoid is a request written on an idle connection at the instant the
 * server ends it. The oracle tells it apart by bytes, not by time: the request was written after
 * every earlier request on its connection had been answered (the connection was idle), and the
 * server had read none of its bytes when it sent its FIN or closed (requests pipelined in that same
 * write share its excuse). A request the server had read any byte of, or one written while an
 * earlier answer was still owed on its connection, has no excuse before the deadline. Time
 * would not do: on a loaded machine loopback delivery itself lags (handshakes and FINs were seen
 * to take 100-400 ms), so "it arrived long before the close" cannot be told from "it was still in
 * the kernel". The same holds for the listener: a connection the server never accepted, reset as
 * the listener closed after its connect call, is the kernel's accept-queue race, allowed and counted.
 */
import { lookup } from 'node:dns/promises';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import http2, { type ClientHttp2Session, type ClientHttp2Stream } from 'node:http2';
import https from 'node:https';
import { connect as netConnect, type Server as NetServer, type Socket } from 'node:net';
import { Duplex } from 'node:stream';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import type { HookContext, HookReport, ShutdownReport } from '../../src/index.js';
import { delay, testCoordinator } from './coordinator.js';
import { startStallMonitor, stalled, stopStallMonitor, tickAfter, ticksBetween } from './loop-stalls.js';
import { freePort } from './net.js';
import { Random } from './prng.js';

// ---------------------------------------------------------------------------------------------
// Cases

export type Protocol = 'http' | 'https' | 'h2' | 'h2c' | 'h2-http1';

/**
 * How the application answers: `length` (Content-Length), `chunked` (no length: chunked on 1.1,
 * close-delimited on 1.0), `early` (head and a first chunk at arrival, the rest at the end: the
 * headers may go out before the trigger), `app-keep-alive` / `app-close` (the application sets
 * its own Connection header as it answers, over whatever the drain set).
 */
export type Style = 'length' | 'chunked' | 'early' | 'app-keep-alive' | 'app-close';

export interface Handler {
  /** From the handler's call (and the body's end) to `res.end()`. */
  readonly ms: number;
  readonly style: Style;
  /** Padding after the `done:<id>` line. */
  readonly size: number;
}

export interface Body {
  /** Chunk sizes; each chunk is written after its gap (ms after the previous one). */
  readonly chunks: readonly number[];
  readonly gaps: readonly number[];
  /** Transfer-Encoding: chunked instead of Content-Length. */
  readonly chunked: boolean;
}

export interface Http1Request {
  readonly id: string;
  readonly version: '1.0' | '1.1';
  /** HTTP/1.0 only: asks for keep-alive. */
  readonly keepAlive: boolean;
  readonly method: 'GET' | 'POST';
  readonly body?: Body;
  /**
   * `Expect: 100-continue` (the client waits up to `wait` ms for the 100 before sending the body
   * anyway, as curl does) or an expectation only a `checkExpectation` listener accepts. With a
   * `checkContinue` listener the application writes the 100 `continueAfter` ms after its call.
   */
  readonly expect?: { readonly value: '100-continue' | 'x-check'; readonly wait: number; readonly continueAfter: number };
  /** The head is written in two parts: up to `at` (a fraction of it), then the rest `stall` ms later. */
  readonly split?: { readonly at: number; readonly stall: number };
  readonly handler: Handler;
}

/** One request, or several pipelined (written at once); the next round waits for all answers and `gap`. */
export interface Round {
  readonly gap: number;
  readonly requests: readonly Http1Request[];
}

/** A TCP (or TLS) connection speaking HTTP/1.x, written byte by byte by the test. */
export interface Http1Client {
  readonly kind: 'http1';
  readonly id: string;
  readonly target: 'main' | 'late';
  /** ms after the main server listens. */
  readonly at: number;
  readonly tls: boolean;
  /** TLS: ms after the TCP connect that the handshake starts, or never (a connection left open before its handshake). */
  readonly handshake: number | 'never';
  /** TLS: the ClientHello written in two parts (up to `at`, a fraction of it), `stall` ms apart: a handshake begun, then stalled. */
  readonly hello?: { readonly at: number; readonly stall: number };
  /** None: a connection that never sends anything (a preconnect, a TCP health check). */
  readonly rounds: readonly Round[];
  /** What a real client does when a request meets a closed connection: once, on a new connection. */
  readonly retry: boolean;
}

export interface H2Stream {
  readonly id: string;
  /** ms after the session connects. */
  readonly at: number;
  readonly body?: Body;
  readonly handler: Handler;
}

export interface H2Client {
  readonly kind: 'h2';
  readonly id: string;
  readonly at: number;
  readonly streams: readonly H2Stream[];
}

export type ClientSpec = Http1Client | H2Client;

/**
 * A second (plain http) server whose listen() completes after the trigger: called `delay` ms after
 * it (a start-up still awaiting when SIGTERM came), or called on 'localhost' just before it, the
 * name still resolving when the drain starts.
 */
export interface LateServer {
  readonly listen: 'after-trigger' | 'localhost';
  readonly delay: number;
}

export interface DrainCase {
  readonly seed: number;
  readonly protocol: Protocol;
  readonly budget: number;
  readonly readinessDelay: number;
  /** addServer()'s own timeout. */
  readonly drainTimeout?: number;
  /** Another close-http hook of the application's (closing a pool, say), taking this long; 0 for none. */
  readonly sibling: number;
  /** ms after the main server listens. */
  readonly trigger: number;
  readonly checkContinue: boolean;
  readonly checkExpectation: boolean;
  readonly late?: LateServer;
  readonly clients: readonly ClientSpec[];
}

export function generateDrainCase(seed: number): DrainCase {
  const random = new Random(seed, 0x2545f491);
  const protocol = random.weighted<Protocol>({ http: 5, https: 3, h2: 2, h2c: 2, 'h2-http1': 2 });
  const budget = random.int(300, 1500);
  const readinessDelay = random.chance(0.2) ? random.int(20, 250) : 0;
  const trigger = random.int(20, 400);
  const drainTimeout = random.chance(0.15) ? random.int(100, budget) : undefined;
  // About where close-http's deadline falls (ms after t0): the timings below spread around it.
  const deadline = trigger + readinessDelay + Math.min(budget * 0.88, drainTimeout ?? Infinity);
  let count = 0;
  const id = (prefix: string): string => `${prefix}${++count}`;

  const handler = (http1: boolean): Handler => {
    const kind = random.weighted({ instant: 3, short: 3, medium: 2, long: 1.5 });
    const ms =
      kind === 'instant' ? random.int(0, 3)
      : kind === 'short' ? random.int(4, 80)
      : kind === 'medium' ? random.int(80, Math.round(budget * 0.6))
      : random.int(Math.round(budget * 0.8), Math.round(budget * 1.5));
    const style = random.weighted<Style>(http1 ? { length: 4, chunked: 2, early: 2, 'app-keep-alive': 1, 'app-close': 0.5 } : { length: 4, chunked: 2, early: 2 });
    return { ms, style, size: random.chance(0.15) ? random.int(16_384, 262_144) : random.int(0, 64) };
  };
  // Shorter and longer than the drain's 100 ms idle grace, and past the deadline.
  const stall = (): number => {
    const kind = random.weighted({ short: 4, long: 3, past: 1.5 });
    return kind === 'short' ? random.int(5, 80) : kind === 'long' ? random.int(150, 400) : random.int(budget, Math.round(budget * 1.3));
  };
  const body = (chunkedAllowed: boolean): Body => {
    const chunks = Array.from({ length: random.int(1, 4) }, () => random.int(1, 3_000));
    const gaps = chunks.map((_, i) => {
      if (i === 0) return 0;
      const kind = random.weighted({ none: 3, short: 4, long: 2, past: 0.5 });
      return kind === 'none' ? 0 : kind === 'short' ? random.int(1, 60) : kind === 'long' ? random.int(80, 300) : random.int(budget, Math.round(budget * 1.3));
    });
    return { chunks, gaps, chunked: chunkedAllowed && random.chance(0.3) };
  };
  const request = (version: '1.0' | '1.1', keepAlive: boolean, plain: boolean): Http1Request => {
    // A plain request (pipelined, or a probe) is a GET written at once.
    const post = !plain && random.chance(0.35);
    const expect =
      post && version === '1.1' && random.chance(0.35)
        ? { value: random.chance(0.75) ? ('100-continue' as const) : ('x-check' as const), wait: random.int(30, 600), continueAfter: random.int(0, 300) }
        : undefined;
    return {
      id: id('r'),
      version,
      keepAlive,
      method: post ? 'POST' : 'GET',
      ...(post ? { body: body(version === '1.1') } : {}),
      ...(expect === undefined ? {} : { expect }),
      ...(!plain && random.chance(0.2) ? { split: { at: random.int(1, 99) / 100, stall: stall() } } : {}),
      handler: handler(true),
    };
  };
  const rounds = (version: '1.0' | '1.1', keepAlive: boolean, n: number): Round[] =>
    Array.from({ length: n }, (_, i) => {
      const kind = random.weighted({ zero: 2, short: 3, medium: 3, long: 1 });
      const gap = i === 0 ? random.int(0, 40) : kind === 'zero' ? 0 : kind === 'short' ? random.int(1, 50) : kind === 'medium' ? random.int(50, 250) : random.int(250, 600);
      const pipelined = version === '1.1' && random.chance(0.15);
      return { gap, requests: Array.from({ length: pipelined ? random.int(2, 3) : 1 }, () => request(version, keepAlive, pipelined)) };
    });
  const connectAt = (): number => {
    const when = random.weighted({ before: 5, around: 2, after: 3 });
    if (when === 'before') return random.int(0, trigger);
    if (when === 'around') return Math.max(0, trigger + random.int(-30, 30));
    return random.int(trigger, Math.round(deadline) + 100);
  };
  // Soon after the trigger mostly: the run ends once nothing holds the drain, and a client after it finds no process.
  const afterTrigger = (): number => trigger + readinessDelay + (random.chance(0.6) ? random.int(-10, 40) : random.int(0, Math.round(deadline - trigger)));

  const clients: ClientSpec[] = [];
  const http1 = protocol === 'http' || protocol === 'https' || protocol === 'h2-http1';
  const tls = protocol !== 'http' && protocol !== 'h2c';
  if (http1) {
    for (let i = random.int(protocol === 'h2-http1' ? 0 : 1, 6); i > 0; i--) {
      const version = random.chance(0.15) ? '1.0' : '1.1';
      const keepAlive = version === '1.1' || random.chance(0.5);
      clients.push({
        kind: 'http1',
        id: id('c'),
        target: 'main',
        at: connectAt(),
        tls,
        handshake: tls && random.chance(0.2) ? random.int(5, 300) : 0,
        rounds: rounds(version, keepAlive, Number(random.weighted({ 1: 4, 2: 3, 3: 2, 4: 1 }))),
        retry: random.chance(0.4),
      });
    }
  }
  if (protocol === 'h2' || protocol === 'h2c' || protocol === 'h2-http1') {
    for (let i = random.int(protocol === 'h2-http1' ? 0 : 1, 3); i > 0; i--) {
      const at = connectAt();
      // Around the trigger, mostly: a stream long after it finds the session gone.
      const streams = Array.from({ length: random.int(1, 4) }, () => ({
        id: id('s'),
        at: random.int(0, Math.max(0, trigger - at) + 150),
        ...(random.chance(0.25) ? { body: body(false) } : {}),
        handler: handler(false),
      }));
      clients.push({ kind: 'h2', id: id('c'), at, streams });
    }
  }
  // Connections that stay silent, or speak long after connecting: a TLS one may not even start its handshake.
  for (let i = random.int(0, 2); i > 0; i--) {
    const speaks = http1 && random.chance(0.5);
    const stalls = tls && http1 && !speaks && random.chance(0.4);
    clients.push({
      kind: 'http1',
      id: id('c'),
      target: 'main',
      at: connectAt(),
      tls,
      handshake: !tls ? 0 : !http1 ? 'never' : speaks || stalls ? random.int(0, 300) : random.chance(0.5) ? 'never' : random.int(0, 400),
      ...(stalls ? { hello: { at: random.int(5, 95) / 100, stall: stall() } } : {}),
      rounds: speaks ? [{ gap: random.int(50, 800), requests: [request('1.1', true, false)] }] : [],
      retry: random.chance(0.4),
    });
  }
  // New connections after the trigger: accepted while the listener is open, refused after.
  for (let i = random.int(0, 3); i > 0; i--) {
    if (http1 && (protocol !== 'h2-http1' || random.chance(0.5))) {
      clients.push({ kind: 'http1', id: id('p'), target: 'main', at: afterTrigger(), tls, handshake: 0, rounds: [{ gap: 0, requests: [request('1.1', true, true)] }], retry: false });
    } else {
      clients.push({ kind: 'h2', id: id('p'), at: afterTrigger(), streams: [{ id: id('s'), at: 0, handler: handler(false) }] });
    }
  }
  let late: LateServer | undefined;
  if (random.chance(0.12)) {
    late = { listen: random.chance(0.6) ? 'after-trigger' : 'localhost', delay: random.int(0, Math.round(budget * 0.4)) };
    const opens = trigger + (late.listen === 'after-trigger' ? late.delay : 0);
    for (let i = random.int(1, 3); i > 0; i--) {
      const at = Math.max(trigger, opens + random.int(-30, 150));
      clients.push({ kind: 'http1', id: id('p'), target: 'late', at, tls: false, handshake: 0, rounds: [{ gap: 0, requests: [request('1.1', true, true)] }], retry: false });
    }
  }
  // A sibling hook keeps close-http (and the run) going, so a late listen() lands within the run.
  const longest = Math.round(budget * 0.6);
  const sibling =
    late !== undefined && random.chance(0.75)
      ? Math.min(longest, late.delay + random.int(100, 300))
      : random.chance(0.4) ? random.int(0, longest) : 0;
  return {
    seed,
    protocol,
    budget,
    readinessDelay,
    ...(drainTimeout === undefined ? {} : { drainTimeout }),
    sibling,
    trigger,
    checkContinue: random.chance(0.4),
    checkExpectation: random.chance(0.3),
    ...(late === undefined ? {} : { late }),
    clients: clients.sort((a, b) => a.at - b.at),
  };
}

// ---------------------------------------------------------------------------------------------
// Observations

/** `seq` orders observations exactly (one thread); `at` is performance.now(). */
export interface Stamp {
  readonly seq: number;
  readonly at: number;
}
let sequence = 0;
const stamp = (): Stamp => ({ seq: ++sequence, at: performance.now() });

type ServerName = 'main' | 'late';

/** The server ending a connection: `byExit` when the test's simulated exit did it. */
interface Cut extends Stamp {
  readonly bytesRead: number | undefined;
  readonly byExit: boolean;
}

/** A connection as the server saw it, from its raw TCP socket. */
interface ServerConn {
  readonly server: ServerName;
  readonly key: string;
  readonly accepted: Stamp;
  readonly socket: Socket;
  secure?: Stamp;
  /** The server sent its FIN (it answers nothing more), with the bytes it had read by then. */
  fin?: Cut;
  /** The server closed the descriptor. */
  shut?: Cut;
  /** The socket's 'close' event, which is when a drain that counts sockets sees it go. */
  closed?: Stamp;
  /** No client of this case opened it (a port another case's probe reached). */
  foreign: boolean;
}

/** A request the application's handler was called for. */
interface Served {
  readonly id: string;
  readonly server: ServerName;
  readonly via: 'request' | 'checkContinue' | 'checkExpectation';
  readonly arrived: Stamp;
  readonly conn: ServerConn | undefined;
  /** When the application's code sent the head (writeHead, or end). */
  headersSent?: Stamp;
  ended?: Stamp;
  /** 'finish': the whole response handed to the socket. */
  finished?: Stamp;
}

/** A request, a TLS handshake or an HTTP/2 stream, as its client sent it. */
interface Unit {
  readonly kind: 'handshake' | 'request';
  readonly id: string;
  readonly request?: Http1Request;
  /** The first byte reached the server's kernel; `offset` is the connection's byte count before it (ciphertext over TLS). */
  first?: Stamp & { readonly offset: number | undefined };
  /** The last byte (the whole request) reached the server's kernel; `offset` is the count after it. */
  last?: Stamp & { readonly offset: number | undefined };
  notSent?: string;
  continued?: Stamp;
  /** `closeDelimited`: its end was the connection's, so a cut one looks complete; the oracle compares its body. */
  response?: { status: number; headers: Record<string, string>; body: string; closeDelimited: boolean };
  /** Handshake finished, or response complete. */
  done?: Stamp;
}

interface ClientError extends Stamp {
  readonly code: string;
  readonly message: string;
  /** A TCP reset (or a write into one), as opposed to a FIN (a TLS client calls a FIN mid-handshake ECONNRESET too). */
  readonly reset: boolean;
}

interface ClientConn {
  readonly id: string;
  readonly target: ServerName;
  readonly port: number;
  readonly connectCalled: Stamp;
  connected?: Stamp;
  localPort?: number | undefined;
  refused?: Stamp;
  end?: Stamp;
  error?: ClientError;
  closed?: Stamp;
  readonly units: Unit[];
}

interface StreamRecord {
  readonly id: string;
  readonly spec: H2Stream;
  sent?: Stamp;
  notSent?: string;
  streamId?: number | undefined;
  status?: number;
  body: string;
  complete?: Stamp;
  rstCode?: number | undefined;
  closed?: Stamp;
}

interface SessionConn {
  readonly id: string;
  readonly connectCalled: Stamp;
  connected?: Stamp;
  localPort?: number | undefined;
  port: number;
  refused?: Stamp;
  error?: ClientError;
  goaway?: Stamp & { readonly code: number; readonly lastStreamID: number };
  closed?: Stamp;
  readonly streams: StreamRecord[];
}

interface Listener {
  port?: number;
  listening?: Stamp;
  closed?: Stamp & { readonly byExit: boolean };
  error?: string;
}

interface DrainHook {
  started?: Stamp;
  /** The hook's deadline (its context's, as performance.now()). */
  deadline?: number;
  aborted?: Stamp;
  report?: HookReport;
  reported?: Stamp;
}

export interface DrainResult {
  readonly spec: DrainCase;
  readonly failures: string[];
  /** Things allowed but worth counting: races excused, connections refused, ... */
  readonly tally: Record<string, number>;
  readonly report?: ShutdownReport;
  /** Event-loop stall time past close-http's deadline until the report. */
  readonly stall: number;
  readonly took: number;
  readonly log: string[];
}

/**
 * How late past a deadline what it bounds may come, on top of the event-loop stalls measured
 * past it. Like the hook-graph test's: every wait of the run ends at an absolute instant, so past
 * the last one only a chain of timer turns and the stalls are left.
 */
export const DRAIN_SLACK = 30;
/** ctx.deadline is whole epoch milliseconds: its performance.now() equivalent is off by up to 1 ms. */
const EARLY = 2;
/** A connection idle this long at the deadline had nothing the drain should have waited for. */
const IDLE_AT_DEADLINE = 500;

/** Server connections of every case, by `serverPort:clientPort`: a probe that reached another case's server is not a failure of its own. */
const acceptedBy = new Map<string, number>();

export function expectedBody(id: string, handler: Handler): string {
  return `${handler.style === 'early' ? 'early\n' : ''}done:${id}\n${'x'.repeat(handler.size)}`;
}

/** Node's handles, which the instrumentation wraps: internal, so checked at run time. */
interface Handle {
  close?: (...args: unknown[]) => unknown;
  shutdown?: (...args: unknown[]) => unknown;
  bytesRead?: number;
  bytesWritten?: number;
}
const handleOf = (socket: unknown): Handle | undefined => (socket as { _handle?: Handle | null })._handle ?? undefined;

function wrap(handle: Handle, method: 'close' | 'shutdown', before: () => void): boolean {
  const original = handle[method];
  if (typeof original !== 'function') return false;
  handle[method] = function (this: unknown, ...args: unknown[]) {
    before();
    return original.apply(this, args);
  };
  return true;
}

// ---------------------------------------------------------------------------------------------
// Running a case

export interface TlsMaterial {
  readonly key: Buffer;
  readonly cert: Buffer;
}

/** How long the clients may take to settle once the run has ended (the exit closed every server connection). */
const SETTLE = 5_000;

function createServer(protocol: Protocol, material: TlsMaterial): NetServer {
  switch (protocol) {
    case 'http':
      return http.createServer();
    case 'https':
      return https.createServer({ key: material.key, cert: material.cert });
    case 'h2':
      return http2.createSecureServer({ key: material.key, cert: material.cert });
    case 'h2-http1':
      return http2.createSecureServer({ key: material.key, cert: material.cert, allowHTTP1: true });
    case 'h2c':
      return http2.createServer();
  }
}

const latest = <T>(list: readonly T[] | undefined): T | undefined => list?.[list.length - 1];
const sumOf = (values: readonly number[]): number => values.reduce((sum, value) => sum + value, 0);

export async function runDrainCase(spec: DrainCase, material: TlsMaterial, options: { verbose?: boolean } = {}): Promise<DrainResult> {
  startStallMonitor();
  try {
    return await runMonitored(spec, material, options);
  } finally {
    stopStallMonitor();
  }
}

async function runMonitored(spec: DrainCase, material: TlsMaterial, options: { verbose?: boolean }): Promise<DrainResult> {
  const log: string[] = [];
  const failures: string[] = [];
  const tally: Record<string, number> = {};
  const fail = (invariant: string, message: string): void => void failures.push(`[${invariant}] ${message}`);
  let t0 = performance.now();
  const note = (what: string): Stamp => {
    const s = stamp();
    if (options.verbose) log.push(`#${s.seq} ${(s.at - t0).toFixed(2).padStart(9)} ms  ${what}`);
    return s;
  };
  const ms = (at: number): string => `${(at - t0).toFixed(1)} ms`;

  // ---- Servers -------------------------------------------------------------------------------
  const serverConns: ServerConn[] = [];
  const byKey = new Map<string, ServerConn[]>();
  const served: Served[] = [];
  const listeners: Record<ServerName, Listener> = { main: {}, late: {} };
  const drains = new Map<string, DrainHook>([['main', {}]]);
  const serverSessions = new Set<{ destroy(): void }>();
  const finOf = new Map<ServerConn, () => void>();
  let exited = false;
  let instrumented = true;
  const cannotInstrument = (what: string): void => {
    if (instrumented) fail('instrument', `${what}: the test cannot see the server's closes (Node's internals changed?)`);
    instrumented = false;
  };

  const instrument = (server: NetServer, name: ServerName): void => {
    const listener = listeners[name];
    server.on('listening', () => {
      listener.listening = note(`${name} listening`);
      const handle = handleOf(server);
      // Closed by a listener ahead of ours: it was open no longer than this.
      if (handle === undefined) listener.closed = { ...note(`${name} listener already closed`), byExit: exited };
      else if (!wrap(handle, 'close', () => void (listener.closed ??= { ...note(`${name} listener closes`), byExit: exited }))) cannotInstrument('listener handle');
    });
    server.on('error', (error: NodeJS.ErrnoException) => {
      listener.error = String(error.code ?? error.message);
      note(`${name} server error ${listener.error}`);
    });
    server.on('connection', (socket: Socket) => {
      const key = `${socket.localPort}:${socket.remotePort}`;
      const conn: ServerConn = { server: name, key, accepted: note(`${name} accepts ${key}`), socket, foreign: false };
      serverConns.push(conn);
      byKey.set(key, [...(byKey.get(key) ?? []), conn]);
      acceptedBy.set(key, spec.seed);
      const handle = handleOf(socket);
      const cut = (how: 'fin' | 'shut') => (): void => {
        if (conn[how] !== undefined) return;
        conn[how] = { ...note(`${name} ${key} ${how === 'fin' ? 'sends FIN' : 'closes'}${exited ? ' (exit)' : ''} (read ${handle?.bytesRead})`), bytesRead: handle?.bytesRead, byExit: exited };
      };
      if (handle === undefined || !wrap(handle, 'close', cut('shut')) || !wrap(handle, 'shutdown', cut('fin'))) cannotInstrument('server socket handle');
      socket.on('close', () => void (conn.closed = note(`${name} ${key} 'close'`)));
      finOf.set(conn, cut('fin'));
    });
    server.on('secureConnection', (socket: TLSSocket) => {
      const conn = latest(byKey.get(`${socket.localPort}:${socket.remotePort}`));
      if (conn === undefined) return;
      conn.secure = note(`${name} ${conn.key} TLS handshake done (${String(socket.alpnProtocol)})`);
      // TLS sends its FIN from C++ after close_notify: its own handle's shutdown is where that starts.
      const handle = handleOf(socket);
      if (handle === undefined || !wrap(handle, 'shutdown', finOf.get(conn)!)) cannotInstrument('TLS socket handle');
    });
    server.on('session', (session: { destroy(): void }) => void serverSessions.add(session));
  };

  // What the application answers, by request id (a retry carries its original's id and `~r`).
  const handlers = new Map<string, Handler>();
  const requests = new Map<string, Http1Request>();
  for (const client of spec.clients) {
    if (client.kind === 'h2') for (const stream of client.streams) handlers.set(stream.id, stream.handler);
    else for (const request of client.rounds.flatMap((round) => round.requests)) {
      handlers.set(request.id, request.handler);
      requests.set(request.id, request);
    }
  }
  const baseId = (id: string): string => id.replace(/~r$/, '');

  type AppRequest = IncomingMessage & { stream?: { session?: { socket?: Socket } } };
  const app = (name: ServerName, via: Served['via']) => (req: AppRequest, res: ServerResponse): void => {
    const id = String(req.headers['x-id'] ?? '');
    const isHttp2 = req.httpVersionMajor === 2;
    const socket = isHttp2 ? req.stream?.session?.socket : req.socket;
    const conn = socket === undefined ? undefined : latest(byKey.get(`${socket.localPort}:${socket.remotePort}`));
    const record: Served = { id, server: name, via, arrived: note(`${name} handler called for ${id} (${via})`), conn };
    served.push(record);
    res.on('finish', () => void (record.finished = note(`${id} response finished`)));
    const handler = handlers.get(baseId(id));
    if (handler === undefined) {
      // Another case's probe, on a port reused after its server closed.
      record.headersSent = stamp();
      res.statusCode = 404;
      res.end();
      return;
    }
    if (via === 'checkContinue') setTimeout(() => {
      if (!res.writableEnded && !res.headersSent && !res.socket?.destroyed) res.writeContinue();
    }, requests.get(baseId(id))?.expect?.continueAfter ?? 0);
    if (handler.style === 'early') {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('early\n');
      record.headersSent = note(`${id} head sent early`);
    }
    let waited = false;
    let read = false;
    const answer = (): void => {
      if (!waited || !read || record.ended !== undefined) return;
      const body = `done:${id}\n${'x'.repeat(handler.size)}`;
      if (!isHttp2 && handler.style === 'app-keep-alive') res.setHeader('connection', 'keep-alive');
      if (!isHttp2 && handler.style === 'app-close') res.setHeader('connection', 'close');
      if (handler.style === 'length') res.setHeader('content-length', Buffer.byteLength(body));
      record.headersSent ??= note(`${id} head sent`);
      record.ended = stamp();
      res.end(body);
    };
    req.on('data', () => {});
    req.on('end', () => {
      note(`${id} body read`);
      read = true;
      answer();
    });
    setTimeout(() => {
      waited = true;
      answer();
    }, handler.ms);
  };

  const coordinator = testCoordinator({ timeout: spec.budget, readinessDelay: spec.readinessDelay });
  // Each drain hook's context, seen through register(): its deadline, and when its signal aborts.
  const register = coordinator.register.bind(coordinator);
  (coordinator as { register: typeof register }).register = (hook) => {
    const drain = hook.phase === 'close-http' ? drains.get(hook.name) : undefined;
    if (drain === undefined) return register(hook);
    return register({
      ...hook,
      run: (context: HookContext) => {
        drain.started = note(`${hook.name}'s drain starts`);
        drain.deadline = context.deadline - Date.now() + performance.now();
        context.signal.addEventListener('abort', () => void (drain.aborted = note(`${hook.name}'s drain deadline`)), { once: true });
        return hook.run(context);
      },
    });
  };
  coordinator.on('hook', (report) => {
    const drain = report.phase === 'close-http' ? drains.get(report.name) : undefined;
    const at = note(`hook ${report.name} (${report.phase}) ${report.outcome} after ${report.duration.toFixed(1)} ms`);
    if (drain !== undefined) {
      drain.report = report;
      drain.reported = at;
    }
  });

  const main = createServer(spec.protocol, material);
  instrument(main, 'main');
  coordinator.addServer(main as http.Server, { name: 'main', ...(spec.drainTimeout === undefined ? {} : { timeout: spec.drainTimeout }) });
  const emitter = main as unknown as NodeJS.EventEmitter;
  emitter.on('request', app('main', 'request'));
  if (spec.checkContinue) emitter.on('checkContinue', app('main', 'checkContinue'));
  if (spec.checkExpectation) emitter.on('checkExpectation', app('main', 'checkExpectation'));
  if (spec.sibling > 0) {
    coordinator.register({
      name: 'pool',
      phase: 'close-http',
      run: ({ signal }) =>
        new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, spec.sibling);
          signal.addEventListener('abort', () => {
            clearTimeout(timer);
            resolve();
          });
        }),
    });
  }
  let late: http.Server | undefined;
  let localhost = '127.0.0.1';
  if (spec.late !== undefined) {
    late = http.createServer();
    instrument(late, 'late');
    drains.set('late', {});
    coordinator.addServer(late, { name: 'late' });
    late.on('request', app('late', 'request'));
    if (spec.late.listen === 'localhost') {
      // The name resolves as the server's listen() will resolve it; loopback only.
      localhost = (await lookup('localhost')).address;
      if (localhost !== '127.0.0.1' && localhost !== '::1') throw new Error(`localhost resolves to ${localhost}`);
    }
  }
  const listenLate = (host: string): void => {
    note(`late listen(${listeners.late.port}, '${host}')`);
    try {
      late!.listen(listeners.late.port, host);
    } catch (error) {
      listeners.late.error = String((error as NodeJS.ErrnoException).code ?? error);
    }
  };

  t0 = performance.now();
  await new Promise<void>((resolve, reject) => {
    main.once('error', reject);
    main.listen(0, '127.0.0.1', () => {
      main.off('error', reject);
      resolve();
    });
  });
  listeners.main.port = (main.address() as { port: number }).port;
  // Below the ephemeral range (helpers/net.ts), so neither this case's main nor another case's
  // listen(0) can take it while it stays closed: its clients would reach that server instead.
  if (late !== undefined) listeners.late.port = await freePort();

  // ---- Clients -------------------------------------------------------------------------------
  const clientConns: ClientConn[] = [];
  const sessions: SessionConn[] = [];
  const clientSockets = new Set<{ destroy(): void }>();

  /** An HTTP/1.x connection written byte by byte. */
  async function http1Client(client: Http1Client, rounds: readonly Round[], suffix: string): Promise<void> {
    const port = listeners[client.target].port!;
    const conn: ClientConn = { id: `${client.id}${suffix}`, target: client.target, port, connectCalled: note(`${client.id}${suffix} connects to ${client.target}`), units: [] };
    clientConns.push(conn);
    const raw = netConnect({ port, host: client.target === 'late' ? localhost : '127.0.0.1' });
    clientSockets.add(raw);
    let io: Socket | TLSSocket = raw;
    let written = 0;
    const offset = (): number | undefined => (client.tls ? handleOf(raw)?.bytesWritten : written);

    const waiters = new Set<() => void>();
    const changed = (): void => {
      for (const waiter of [...waiters]) waiter();
    };
    /** Resolves once `test()` holds (checked at every event of the connection), or after `ms`. */
    const until = (test: () => boolean, ms?: number): Promise<void> =>
      new Promise((resolve) => {
        let timer: NodeJS.Timeout | undefined;
        const done = (): void => {
          waiters.delete(check);
          clearTimeout(timer);
          resolve();
        };
        const check = (): void => {
          if (test()) done();
        };
        waiters.add(check);
        if (ms !== undefined) timer = setTimeout(done, ms);
        check();
      });
    const alive = (): boolean => conn.closed === undefined;
    const usable = (): boolean => alive() && conn.end === undefined && conn.error === undefined && !io.destroyed && io.writable;

    const onError = (error: NodeJS.ErrnoException): void => {
      if (error.code === 'ECONNREFUSED' && conn.connected === undefined) conn.refused ??= note(`${conn.id} refused`);
      else if (conn.error === undefined) {
        // A TLS client reports a FIN during its handshake as ECONNRESET too, without a syscall.
        const reset = (error.code === 'ECONNRESET' || error.code === 'EPIPE') && error.syscall !== undefined;
        conn.error = { ...note(`${conn.id} error ${error.code} (${error.message})`), code: String(error.code), message: error.message, reset };
      }
      changed();
    };
    const onClose = (): void => {
      conn.closed ??= note(`${conn.id} closed`);
      changed();
    };
    raw.on('error', onError);
    raw.on('close', onClose);
    raw.on('connect', () => {
      conn.connected = note(`${conn.id} connected from ${raw.localPort}`);
      conn.localPort = raw.localPort;
      changed();
    });

    // The response parser: responses are matched to requests in order.
    const pending: Unit[] = [];
    let buffer = '';
    let head: { status: number; headers: Record<string, string> } | undefined;
    let framing: { kind: 'length' | 'data'; left: number } | { kind: 'size' | 'data-end' | 'trailer' | 'close' } | undefined;
    let body = '';
    let closing = false;
    const complete = (): void => {
      const unit = pending.shift();
      if (unit === undefined) fail('response', `${conn.id} received a response nobody asked for (${head!.status})`);
      else {
        unit.response = { status: head!.status, headers: head!.headers, body, closeDelimited: framing?.kind === 'close' };
        unit.done = note(`${unit.id} answered ${head!.status} (connection: ${head!.headers.connection ?? '-'})`);
        const connection = (head!.headers.connection ?? '').toLowerCase();
        const keepAlive = unit.request?.version === '1.0' ? unit.request.keepAlive && connection.includes('keep-alive') : !connection.includes('close');
        if (!keepAlive || framing?.kind === 'close') closing = true;
      }
      head = undefined;
      framing = undefined;
      body = '';
    };
    const parse = (): void => {
      for (;;) {
        if (head === undefined) {
          const end = buffer.indexOf('\r\n\r\n');
          if (end < 0) return;
          const [statusLine = '', ...lines] = buffer.slice(0, end).split('\r\n');
          buffer = buffer.slice(end + 4);
          const status = statusLine.split(' ')[1] ?? '';
          const headers: Record<string, string> = {};
          for (const line of lines) {
            const colon = line.indexOf(':');
            headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
          }
          if (Number(status) >= 100 && Number(status) < 200) {
            if (pending[0] !== undefined) pending[0].continued ??= note(`${pending[0].id} got ${status}`);
            continue;
          }
          head = { status: Number(status), headers };
          if ((headers['transfer-encoding'] ?? '').toLowerCase().includes('chunked')) framing = { kind: 'size' };
          else if (headers['content-length'] !== undefined) framing = { kind: 'length', left: Number(headers['content-length']) };
          else framing = { kind: 'close' };
          if (framing.kind === 'length' && framing.left === 0) complete();
          continue;
        }
        const state = framing!;
        if (state.kind === 'length' || state.kind === 'data') {
          const take = buffer.slice(0, state.left);
          body += take;
          buffer = buffer.slice(take.length);
          state.left -= take.length;
          if (state.left > 0) return;
          if (state.kind === 'length') complete();
          else framing = { kind: 'data-end' };
        } else if (state.kind === 'size') {
          const eol = buffer.indexOf('\r\n');
          if (eol < 0) return;
          const size = parseInt(buffer.slice(0, eol), 16);
          buffer = buffer.slice(eol + 2);
          framing = size === 0 ? { kind: 'trailer' } : { kind: 'data', left: size };
        } else if (state.kind === 'data-end') {
          if (buffer.length < 2) return;
          buffer = buffer.slice(2);
          framing = { kind: 'size' };
        } else if (state.kind === 'trailer') {
          const eol = buffer.indexOf('\r\n');
          if (eol < 0) return;
          const line = buffer.slice(0, eol);
          buffer = buffer.slice(eol + 2);
          if (line === '') complete();
        } else {
          body += buffer;
          buffer = '';
          return;
        }
      }
    };
    const onData = (chunk: Buffer): void => {
      buffer += chunk.toString('latin1');
      parse();
      changed();
    };
    const onEnd = (): void => {
      conn.end ??= note(`${conn.id} got FIN`);
      if (head !== undefined && framing?.kind === 'close') complete();
      changed();
    };
    if (!client.tls) {
      raw.on('data', onData);
      raw.on('end', onEnd);
    }

    /** Writes `pieces` in one write; each piece's unit learns when its first or last byte reached the server. */
    const write = (pieces: { unit: Unit; data: string; first: boolean; last: boolean }[]): boolean => {
      if (!usable()) return false;
      const data = pieces.map((piece) => piece.data).join('');
      const bytes = Buffer.byteLength(data, 'latin1');
      const before = offset();
      let reachedLater: ((at: Stamp) => void) | undefined;
      io.write(data, 'latin1', () => reachedLater?.(stamp()));
      const at = stamp();
      written += bytes;
      const after = offset();
      // In the kernel now (loopback delivers inside write()), or only once the write calls back.
      const sync = client.tls ? before !== undefined && after !== undefined && after - before >= bytes : io.writableLength === 0;
      let position = 0;
      const settle = (reached: Stamp): void => {
        for (const piece of pieces) {
          const start = client.tls ? before : before! + position;
          position += Buffer.byteLength(piece.data, 'latin1');
          if (piece.first) {
            piece.unit.first = { ...reached, offset: start };
          }
          if (piece.last) {
            piece.unit.last = { ...reached, offset: client.tls ? after : before! + position };
          }
        }
      };
      if (options.verbose) note(`${conn.id} writes ${pieces.map((piece) => `${piece.unit.id}${piece.first ? '<' : ''}${piece.last ? '>' : ''}`).join(' ')} (${bytes} bytes${sync ? '' : ', buffered'})`);
      if (sync) settle(at);
      else reachedLater = settle;
      return true;
    };

    const headOf = (request: Http1Request, id: string): string => {
      const lines = [`${request.method} /${id} HTTP/${request.version}`, 'Host: 127.0.0.1', `x-id: ${id}`];
      if (request.version === '1.0' && request.keepAlive) lines.push('Connection: keep-alive');
      if (request.body !== undefined) lines.push(request.body.chunked ? 'Transfer-Encoding: chunked' : `Content-Length: ${sumOf(request.body.chunks)}`);
      if (request.expect !== undefined) lines.push(`Expect: ${request.expect.value}`);
      return `${lines.join('\r\n')}\r\n\r\n`;
    };
    const chunkOf = (request: Http1Request, i: number): string => {
      const { chunks, chunked } = request.body!;
      const data = 'b'.repeat(chunks[i]!);
      return chunked ? `${chunks[i]!.toString(16)}\r\n${data}\r\n${i === chunks.length - 1 ? '0\r\n\r\n' : ''}` : data;
    };
    const unitOf = (request: Http1Request): Unit => {
      const unit: Unit = { kind: 'request', id: `${request.id}${suffix}`, request };
      conn.units.push(unit);
      return unit;
    };
    const unsent = (unit: Unit, why: string): void => {
      unit.notSent = why;
      const index = pending.indexOf(unit);
      if (index >= 0) pending.splice(index, 1);
    };

    /** Sends one request: its head (maybe in two parts), then its body (after a 100, or the wait). */
    const sendOne = async (unit: Unit): Promise<void> => {
      const request = unit.request!;
      const head = headOf(request, unit.id);
      const noBody = request.body === undefined;
      pending.push(unit);
      if (request.split !== undefined) {
        const k = Math.max(1, Math.min(head.length - 1, Math.floor(head.length * request.split.at)));
        if (!write([{ unit, data: head.slice(0, k), first: true, last: false }])) return unsent(unit, 'the connection had ended');
        await until(() => !usable(), request.split.stall);
        if (!write([{ unit, data: head.slice(k), first: false, last: noBody }])) return;
      } else if (!write([{ unit, data: head, first: true, last: noBody }])) return unsent(unit, 'the connection had ended');
      if (noBody) return;
      if (request.expect !== undefined) await until(() => unit.continued !== undefined || unit.done !== undefined || !usable(), request.expect.wait);
      // Answered without the body (a 417): the server still expects the body it announced, so the
      // connection cannot carry another request (RFC 9110, 10.1.1): the client drops it (a FIN alone
      // would have the server answer its missing body with a 400).
      if (unit.done !== undefined) {
        closing = true;
        note(`${conn.id} drops the connection: its body was never sent`);
        io.destroy();
        return;
      }
      for (let i = 0; i < request.body!.chunks.length; i++) {
        if (request.body!.gaps[i]! > 0) await until(() => !usable(), request.body!.gaps[i]);
        if (!write([{ unit, data: chunkOf(request, i), first: false, last: i === request.body!.chunks.length - 1 }])) return;
      }
    };

    try {
      await until(() => conn.connected !== undefined || !alive() || conn.refused !== undefined);
      if (conn.connected === undefined) return;
      if (client.tls) {
        const handshake: Unit = { kind: 'handshake', id: `${conn.id}:tls` };
        conn.units.push(handshake);
        if (client.handshake === 'never') return void (await until(() => !alive()));
        if (client.handshake > 0) await until(() => !usable(), client.handshake);
        if (!usable()) {
          handshake.notSent = 'the connection had ended';
          return void (await until(() => !alive()));
        }
        let transport: Socket | Duplex = raw;
        if (client.hello !== undefined) {
          // A relay between the TLS client and its socket, to hold back the rest of the ClientHello.
          const { at, stall } = client.hello;
          let held = false;
          const relay = new Duplex({
            write(chunk: Buffer, _encoding, callback) {
              if (held) return void raw.write(chunk, callback);
              held = true;
              const k = Math.max(1, Math.min(chunk.length - 1, Math.floor(chunk.length * at)));
              raw.write(chunk.subarray(0, k));
              note(`${conn.id} writes ${k} of its ${chunk.length}-byte ClientHello`);
              setTimeout(() => {
                if (raw.writable) raw.write(chunk.subarray(k));
                note(`${conn.id} writes the rest of its ClientHello`);
                callback();
              }, stall);
            },
            read() {},
            final(callback) {
              raw.end();
              callback();
            },
            destroy(error, callback) {
              raw.destroy();
              callback(error);
            },
          });
          raw.on('data', (chunk: Buffer) => relay.push(chunk));
          raw.on('end', () => relay.push(null));
          raw.on('close', () => relay.destroy());
          transport = relay;
        }
        const secure = tlsConnect({ socket: transport, ca: material.cert, ALPNProtocols: ['http/1.1'] });
        // The ClientHello is written inside tls.connect() (through the relay, its first part).
        const reached = stamp();
        handshake.first = { ...reached, offset: 0 };
        io = secure;
        clientSockets.add(secure);
        secure.on('secureConnect', () => {
          // The client's Finished went out with it: the handshake's last byte. The server's own
          // 'secureConnection' is what answers it.
          handshake.done = note(`${conn.id} TLS handshake done`);
          handshake.last = { ...handshake.done, offset: handleOf(raw)?.bytesWritten };
          changed();
        });
        secure.on('data', onData);
        secure.on('end', onEnd);
        secure.on('error', onError);
        secure.on('close', onClose);
        await until(() => handshake.done !== undefined || !usable());
        if (handshake.done === undefined) return void (await until(() => !alive()));
      }
      for (const [r, round] of rounds.entries()) {
        await until(() => !usable(), round.gap);
        if (!usable() || closing) {
          for (const request of rounds.slice(r).flatMap((each) => each.requests)) unsent(unitOf(request), closing ? 'the server said close' : 'the connection had ended');
          break;
        }
        const units = round.requests.map(unitOf);
        if (units.length > 1) {
          pending.push(...units);
          if (!write(units.map((unit) => ({ unit, data: headOf(unit.request!, unit.id), first: true, last: true })))) for (const unit of units) unsent(unit, 'the connection had ended');
        }
        // An answer may come before the body is all sent (an early response, a 417 after the wait):
        // as a real client, the next request waits for the last byte of this one.
        const sending = units.length > 1 ? undefined : sendOne(units[0]!);
        await until(() => units.every((unit) => unit.done !== undefined || unit.notSent !== undefined) || !alive());
        await sending;
        if (!units.every((unit) => unit.done !== undefined)) {
          for (const request of rounds.slice(r + 1).flatMap((each) => each.requests)) unsent(unitOf(request), 'an earlier request went unanswered');
          break;
        }
      }
      // Kept open, as a pooled keep-alive socket is, until the server closes it.
      await until(() => !alive());
    } finally {
      // A real client retries a request that met a closed connection, once, on a new one.
      const again = conn.units.filter((unit) => unit.kind === 'request' && unit.done === undefined).map((unit) => unit.request!);
      if (client.retry && suffix === '' && again.length > 0 && !exited) {
        await http1Client({ ...client, handshake: 0 }, again.map((request) => ({ gap: 0, requests: [request] })), '~r');
      }
    }
  }

  async function h2Client(client: H2Client): Promise<void> {
    const port = listeners.main.port!;
    const conn: SessionConn = { id: client.id, connectCalled: note(`${client.id} opens an HTTP/2 session`), port, streams: [] };
    sessions.push(conn);
    const session: ClientHttp2Session = http2.connect(`${spec.protocol === 'h2c' ? 'http' : 'https'}://127.0.0.1:${port}`, spec.protocol === 'h2c' ? {} : { ca: material.cert });
    clientSockets.add(session);
    const waiters = new Set<() => void>();
    const changed = (): void => {
      for (const waiter of [...waiters]) waiter();
    };
    const until = (test: () => boolean): Promise<void> =>
      new Promise((resolve) => {
        const check = (): void => {
          if (!test()) return;
          waiters.delete(check);
          resolve();
        };
        waiters.add(check);
        check();
      });
    session.on('connect', () => {
      conn.connected = note(`${conn.id} session connected`);
      conn.localPort = session.socket?.localPort;
      changed();
    });
    session.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ECONNREFUSED' && conn.connected === undefined) conn.refused ??= note(`${conn.id} refused`);
      else if (conn.error === undefined) {
        const reset = (error.code === 'ECONNRESET' || error.code === 'EPIPE') && error.syscall !== undefined;
        conn.error = { ...note(`${conn.id} session error ${error.code}`), code: String(error.code), message: error.message, reset };
      }
      changed();
    });
    session.on('goaway', (code: number, lastStreamID: number) => {
      conn.goaway ??= { ...note(`${conn.id} GOAWAY ${code}, last stream ${lastStreamID}`), code, lastStreamID };
      changed();
    });
    session.on('close', () => {
      conn.closed = note(`${conn.id} session closed`);
      changed();
    });
    await until(() => conn.connected !== undefined || conn.closed !== undefined);
    if (conn.connected === undefined) return;
    await Promise.all(
      client.streams.map(async (spec) => {
        await delay(spec.at);
        const record: StreamRecord = { id: spec.id, spec, body: '' };
        conn.streams.push(record);
        if (session.closed || session.destroyed || conn.goaway !== undefined) return void (record.notSent = 'the session was closing');
        let stream: ClientHttp2Stream;
        try {
          stream = session.request({ ':method': spec.body === undefined ? 'GET' : 'POST', ':path': `/${spec.id}`, 'x-id': spec.id }, { endStream: spec.body === undefined });
        } catch (error) {
          return void (record.notSent = String((error as NodeJS.ErrnoException).code));
        }
        record.sent = note(`${conn.id} opens stream ${spec.id}`);
        stream.on('ready', () => void (record.streamId = stream.id));
        stream.on('response', (headers) => void (record.status = Number(headers[':status'])));
        stream.setEncoding('latin1');
        stream.on('data', (chunk: string) => void (record.body += chunk));
        stream.on('end', () => void (record.complete = note(`${spec.id} answered ${record.status}`)));
        stream.on('error', (error: NodeJS.ErrnoException) => void note(`${spec.id} stream error ${error.code} (${error.message})`));
        if (spec.body !== undefined) {
          void (async () => {
            for (let i = 0; i < spec.body!.chunks.length; i++) {
              if (spec.body!.gaps[i]! > 0) await delay(spec.body!.gaps[i]!);
              if (stream.destroyed || stream.closed) return;
              stream.write('b'.repeat(spec.body!.chunks[i]!));
            }
            if (!stream.destroyed) stream.end();
          })();
        }
        await new Promise<void>((resolve) =>
          stream.on('close', () => {
            record.closed = note(`${spec.id} stream closed (code ${stream.rstCode})`);
            record.rstCode = stream.rstCode;
            record.streamId ??= stream.id;
            resolve();
          }),
        );
      }),
    );
    await until(() => conn.closed !== undefined);
  }

  const running = spec.clients.map((client) =>
    delay(client.at).then(() => {
      // The process would be gone by now.
      if (exited) return;
      return client.kind === 'h2' ? h2Client(client) : http1Client(client, client.rounds, '');
    }),
  );

  // ---- The trigger, the run, the exit --------------------------------------------------------
  await delay(spec.trigger);
  if (spec.late?.listen === 'localhost') listenLate('localhost');
  const triggerLow = note('trigger: shutdown()');
  const run = coordinator.shutdown({ reason: `seed ${spec.seed}` });
  const triggerHigh = stamp();
  if (spec.late?.listen === 'after-trigger') setTimeout(() => {
    if (!exited) listenLate('127.0.0.1');
  }, spec.late.delay);
  const report = await run;
  const reportAt = note(`report: ${report.outcome}, exit code ${report.exitCode}`);
  const mainListeningAtReport = main.listening;

  // What process.exit() would do: every listener and connection closed at once.
  exited = true;
  for (const server of [main, late]) {
    if (server?.listening) server.close();
    (server as Partial<http.Server> | undefined)?.closeAllConnections?.();
  }
  for (const session of serverSessions) session.destroy();
  for (const conn of serverConns) if (!conn.socket.destroyed) conn.socket.destroy();
  const settled = await Promise.race([Promise.all(running).then(() => true), delay(SETTLE).then(() => false)]);
  if (!settled) {
    fail('settle', `the clients had not settled ${SETTLE} ms after the run ended`);
    for (const socket of clientSockets) socket.destroy();
    await Promise.race([Promise.all(running), delay(1_000)]);
  }
  for (const socket of clientSockets) socket.destroy();
  // A stall under way at the report is measured by the monitor's next tick, which may not have
  // come yet when the clients settle at once: without it, the stall counts as none.
  await tickAfter(reportAt.at);

  if (options.verbose) log.push(`event-loop stalls from the trigger to the report: ${stalled(triggerLow.at, reportAt.at).toFixed(1)} ms`);

  // ---- The oracle ----------------------------------------------------------------------------
  const count = (what: string): void => void (tally[what] = (tally[what] ?? 0) + 1);
  const mainDrain = drains.get('main')!;
  try {
    check();
  } catch (error) {
    fail('oracle', `the case could not be checked: ${error instanceof Error ? error.stack : String(error)}`);
  }
  const cut = mainDrain.aborted?.at ?? mainDrain.deadline ?? reportAt.at;
  return { spec, failures, tally, report, stall: stalled(cut, reportAt.at), took: reportAt.at - triggerLow.at, log };

  function check(): void {
    const ordinal = (s: Stamp | undefined): number => s?.seq ?? Infinity;
    const servedOf = (id: string): Served | undefined => served.find((each) => each.id === id);
    for (const id of new Set(served.map((each) => each.id))) {
      const n = served.filter((each) => each.id === id).length;
      if (n > 1) fail('duplicate', `the handler was called ${n} times for ${id}`);
    }

    // ---- The drains' hooks: where each deadline fell ---------------------------------------------
    for (const [name, drain] of drains) {
      if (drain.report === undefined) fail('report', `no close-http hook report for server ${name}`);
      else if (drain.started === undefined || drain.deadline === undefined) fail('instrument', `the drain hook of ${name} ran without the test seeing its context (addServer no longer registers through coordinator.register?)`);
      else if (drain.report.outcome !== 'ok' && drain.report.outcome !== 'timeout') fail('report', `server ${name}'s drain hook ended ${drain.report.outcome}`);
      // A drain that settles past its deadline before the deadline's timer could fire (the loop was busy) is late all the same.
      else if (drain.report.outcome === 'timeout' && drain.aborted === undefined && drain.reported!.at < drain.deadline - EARLY) fail('report', `server ${name}'s drain hook timed out at ${ms(drain.reported!.at)}, before its deadline (${ms(drain.deadline)}), its signal never aborted`);
    }
    /** Where a server's drain deadline fell: its signal's abort when it fired, else its context's deadline. */
    const deadlineOf = (name: ServerName): number => {
      const drain = drains.get(name);
      return drain?.aborted?.at ?? drain?.deadline ?? Infinity;
    };

    // ---- Guarantee 5: the run ends by the budget, give or take the event loop's stalls -------------
    const B = spec.budget;
    const end = triggerHigh.at + spec.readinessDelay + B;
    // A readiness delay's timer that fires late starts the budget late: then every stall since the trigger counts.
    const stallFrom = spec.readinessDelay > 0 ? triggerLow.at : end - Math.min(B * 0.02, 100);
    const budgetStall = stalled(stallFrom, reportAt.at);
    if (reportAt.at > end + DRAIN_SLACK + budgetStall) {
      const window = ticksBetween(stallFrom, reportAt.at);
      const timeline = `${window.length} event-loop ticks measured in that window; trigger at ${ms(triggerLow.at)}, main's drain from ${ms(mainDrain.started?.at ?? NaN)} (deadline ${ms(mainDrain.deadline ?? NaN)}, ${mainDrain.aborted === undefined ? 'not reached' : `fired at ${ms(mainDrain.aborted.at)}`}) to ${ms(mainDrain.reported?.at ?? NaN)}, report at ${ms(reportAt.at)}`;
      fail('budget', `the report came ${(reportAt.at - triggerLow.at).toFixed(1)} ms after the trigger: budget ${spec.readinessDelay > 0 ? `${spec.readinessDelay} + ` : ''}${B} ms + slack ${DRAIN_SLACK} ms + event-loop stalls ${budgetStall.toFixed(1)} ms (${timeline})`);
    }

    // ---- Listeners ------------------------------------------------------------------------------------
    if (mainListeningAtReport) fail('listener', 'the main server was still listening when the run ended');
    const mainClosed = listeners.main.closed;
    const mainDrainEnd = mainDrain.reported;
    if (mainClosed !== undefined && !mainClosed.byExit && mainDrainEnd !== undefined && mainClosed.seq > mainDrainEnd.seq) {
      fail('listener', `the main listener closed at ${ms(mainClosed.at)}, after its drain had ended`);
    }
    if (spec.late !== undefined) {
      const listener = listeners.late;
      if (listener.error === 'EADDRINUSE') count('late port taken (inconclusive)');
      else if (listener.listening !== undefined) {
        const open = listener.closed === undefined ? 'still open when the run ended' : listener.closed.byExit ? 'open until the run ended' : `closed at ${ms(listener.closed.at)}`;
        const how = spec.late.listen === 'localhost' ? `listen() (on 'localhost', called just before the trigger)` : `listen() (called ${spec.late.delay} ms after the trigger)`;
        fail('late-listen', `a server whose ${how} completed after the trigger opened its listener at ${ms(listener.listening.at)}, ${open}`);
      }
    }

    // ---- Server connections -----------------------------------------------------------------------------
    const clientKeys = new Set<string>();
    for (const client of [...clientConns, ...sessions]) if (client.localPort !== undefined) clientKeys.add(`${client.port}:${client.localPort}`);
    for (const conn of serverConns) conn.foreign = !clientKeys.has(conn.key);
    const serverConnOf = (client: { port: number; localPort?: number | undefined; connectCalled: Stamp }): ServerConn | undefined =>
      client.localPort === undefined ? undefined : byKey.get(`${client.port}:${client.localPort}`)?.find((conn) => conn.accepted.seq > client.connectCalled.seq);
    /** How the server first ended a connection: its FIN, or its descriptor's close. */
    const stopOf = (conn: ServerConn): (Cut & { how: 'FIN' | 'close' }) | undefined =>
      conn.fin !== undefined && ordinal(conn.fin) < ordinal(conn.shut) ? { ...conn.fin, how: 'FIN' } : conn.shut === undefined ? undefined : { ...conn.shut, how: 'close' };
    for (const conn of serverConns) {
      if (conn.shut === undefined) fail('instrument', `server connection ${conn.key} never closed, even at the exit`);
      else if (conn.shut.byExit) fail('open-at-exit', `${conn.server} connection ${conn.key} (accepted at ${ms(conn.accepted.at)}${conn.fin === undefined || conn.fin.byExit ? '' : `, FIN sent at ${ms(conn.fin.at)}`}) was still open when the run ended: the exit closed it`);
    }

    // ---- HTTP/1 units: requests and TLS handshakes ----------------------------------------------------
    /**
     * What happened to a unit its client sent and got no (whole) answer to. Allowed: the race (see
     * the file's header), and a cut at the deadline of a unit that could not have been answered by then.
     */
    const judge = (unit: Unit, index: number, client: ClientConn, conn: ServerConn): 'race' | 'deadline' | 'violation' => {
      const stop = stopOf(conn)!;
      const deadline = deadlineOf(conn.server);
      const what = unit.kind === 'handshake' ? `the TLS handshake of ${client.id}` : `request ${unit.id}`;
      const handled = servedOf(unit.id);
      const first = unit.first!;
      if (stop.byExit) {
        fail('answered', `${what} (first byte at ${ms(first.at)}) was unanswered when the run ended, its connection still open: the exit cut it`);
        return 'violation';
      }
      const earlier = client.units.slice(0, index);
      const read = stop.bytesRead === undefined || first.offset === undefined ? undefined : stop.bytesRead - first.offset;
      const idle = earlier.every((each) => each.done !== undefined && each.done.seq < first.seq);
      if (stop.at < deadline - EARLY) {
        // The race: none of it read by the server when it ended the connection, and sent on an idle
        // connection (every earlier unit answered first), alone or pipelined in one write: the
        // server could not have known of any of them.
        const leader = client.units.find((each) => each.first?.seq === first.seq)!;
        const leaderIdle = client.units.slice(0, client.units.indexOf(leader)).every((each) => each.done !== undefined && each.done.seq < first.seq);
        if (leaderIdle && read !== undefined && read <= 0) {
          count(first.seq > stop.seq ? 'race: written after the server ended the connection' : 'race: unread when the server ended the connection');
          return 'race';
        }
        // Pipelined behind a response the application itself closed (Connection: close of its own):
        // Node ends the socket after it, as the application asked; not the drain's doing.
        const closedByApp = earlier.some((each) => each.kind === 'request' && handlers.get(baseId(each.id))?.style === 'app-close' && (each.done === undefined || each.done.seq > first.seq));
        if (closedByApp) {
          count('pipelined behind a response the application closed');
          return 'race';
        }
        const details = [
          `its first byte reached the server at ${ms(first.at)}`,
          unit.last === undefined ? 'its last byte was never sent' : unit.last.seq === first.seq ? undefined : `its last at ${ms(unit.last.at)}`,
          idle ? undefined : `written before the answer to ${earlier.filter((each) => each.done === undefined || each.done.seq > first.seq).map((each) => each.id).join(', ')} on the same connection`,
          read === undefined ? 'byte counts unknown' : read > 0 ? `the server had read ${read} byte(s) of it` : 'the server had read none of it',
          unit.kind === 'request' ? (handled === undefined ? 'its handler was never called' : `its handler was called at ${ms(handled.arrived.at)}${handled.via === 'request' ? '' : ` (${handled.via})`}${handled.finished === undefined ? '' : `, its response finished at ${ms(handled.finished.at)}`}`) : undefined,
        ].filter((each) => each !== undefined);
        fail('answered', `${what} was cut before the deadline: ${details.join(', ')}; the server ${stop.how === 'FIN' ? 'sent FIN' : 'closed the connection'} at ${ms(stop.at)}, deadline ${ms(deadline)}`);
        return 'violation';
      }
      // Cut at the deadline: allowed, unless it had been answered well before, or read whole and never handled.
      const margin = DRAIN_SLACK + (handled?.finished === undefined ? 0 : stalled(handled.finished.at, deadline));
      if (handled?.finished !== undefined && handled.finished.at < deadline - margin) {
        fail('answered', `${what}: its response finished at ${ms(handled.finished.at)}, before the deadline (${ms(deadline)}), and never arrived whole`);
        return 'violation';
      }
      const readWhole = unit.last?.offset !== undefined && stop.bytesRead !== undefined && stop.bytesRead >= unit.last.offset;
      const nothingAhead = earlier.every((each) => each.done !== undefined && each.done.seq < stop.seq);
      if (unit.kind === 'request' && handled === undefined && readWhole && nothingAhead) {
        fail('answered', `${what} had been read whole by the server (last byte at ${ms(unit.last!.at)}), with nothing ahead of it on its connection, and was never handled by the deadline (${ms(deadline)})`);
        return 'violation';
      }
      count('cut at the deadline');
      return 'deadline';
    };

    /**
     * A handshake the server completed; a response received whole (a close-delimited one cut short
     * looks whole, so its body decides).
     */
    const answered = (unit: Unit, conn: ServerConn): boolean => {
      if (unit.kind === 'handshake') return conn.secure !== undefined;
      if (unit.done === undefined) return false;
      return !unit.response!.closeDelimited || unit.response!.body === expectedBody(unit.id, handlers.get(baseId(unit.id))!);
    };

    const checkResponse = (unit: Unit, client: ClientConn): void => {
      const response = unit.response!;
      const request = unit.request!;
      const handler = handlers.get(baseId(unit.id))!;
      const handled = servedOf(unit.id);
      const status = request.expect?.value === 'x-check' && !spec.checkExpectation ? 417 : 200;
      if (response.status !== status) return void fail('response', `${unit.id} on ${client.id}: status ${response.status}, expected ${status}`);
      if (status === 200 && response.body !== expectedBody(unit.id, handler)) {
        fail('response', `${unit.id} on ${client.id}: a body of ${response.body.length} bytes starting ${JSON.stringify(response.body.slice(0, 40))}, expected ${JSON.stringify(expectedBody(unit.id, handler).slice(0, 40))}...`);
      }
      // Guarantee 11: from the trigger on, every response says Connection: close, unless the
      // application said otherwise itself, or another request was already waiting behind it on the
      // connection: a server that says close must close right after (RFC 9112, 9.6), so a drain that
      // answers the pipelined requests keeps the close for the last.
      const appSays = handler.style === 'app-keep-alive' || handler.style === 'app-close';
      const sent = handled?.headersSent;
      const pipelinedBehind = sent !== undefined && client.units.slice(client.units.indexOf(unit) + 1).some((later) => later.first !== undefined && later.first.seq < sent.seq);
      if (sent !== undefined && sent.seq > triggerHigh.seq && !appSays && !pipelinedBehind && !(response.headers.connection ?? '').toLowerCase().includes('close')) {
        fail('connection-close', `${unit.id}: its head went out at ${ms(sent.at)}, after the trigger, with Connection: ${response.headers.connection ?? '(none)'}`);
      }
    };

    // Refused: the main listener had closed before the refusal came back (a late server is never listening, if right).
    const refusalAllowed = (target: ServerName, refused: Stamp): boolean => target === 'late' || ordinal(listeners.main.closed) < refused.seq;

    /**
     * A connection the server never accepted, though its connect went through (or was reset on the
     * way): reset from the kernel's accept queue as the listener closed, the listener's own race.
     * Allowed when the listener closed after the connect call and before the reset; a loaded kernel
     * may complete a loopback handshake late, so how long it sat there is not judged.
     */
    const unaccepted = (id: string, target: ServerName, client: { port: number; connectCalled: Stamp; connected?: Stamp; localPort?: number | undefined; error?: ClientError }, ended: Stamp | undefined): void => {
      const owner = client.localPort === undefined ? undefined : acceptedBy.get(`${client.port}:${client.localPort}`);
      if (owner !== undefined && owner !== spec.seed) return void count('reached another case (port reused)');
      const { connectCalled: called, connected, error } = client;
      if (target === 'late') {
        if (connected !== undefined) fail('late-listen', `${id} connected at ${ms(connected.at)} to a server whose listen() completed after the trigger`);
        return;
      }
      const closed = listeners[target].closed;
      const dropped = error ?? ended;
      if (closed !== undefined && closed.seq > called.seq && dropped !== undefined && dropped.seq > closed.seq) return void count('accept-queue race');
      fail('accept-queue', `${id} ${connected === undefined ? `connecting at ${ms(called.at)}` : `connected at ${ms(connected.at)}`} was never accepted by the server, and ${error !== undefined ? `got ${error.code} at ${ms(error.at)}` : ended !== undefined ? `got FIN at ${ms(ended.at)}` : 'stayed open'}; the listener closed at ${closed === undefined ? 'no time' : ms(closed.at)}`);
    };

    for (const client of clientConns) {
      if (client.refused !== undefined) {
        count('refused');
        if (!refusalAllowed(client.target, client.refused)) fail('refused', `${client.id} was refused at ${ms(client.refused.at)} while the listener was open`);
        continue;
      }
      const conn = serverConnOf(client);
      if (conn === undefined) {
        if (client.connected !== undefined || client.error !== undefined) unaccepted(client.id, client.target, client, client.end);
        continue;
      }
      if (conn.server === 'late') fail('late-listen', `${client.id} was accepted at ${ms(conn.accepted.at)} by a server whose listen() completed after the trigger`);
      let raced = false;
      client.units.forEach((unit, index) => {
        if (unit.kind === 'request' && answered(unit, conn)) checkResponse(unit, client);
        if (answered(unit, conn) || unit.first === undefined) return;
        if (judge(unit, index, client, conn) === 'race') raced = true;
      });
      // No connection is reset before its deadline, but by the race above (the client's bytes met a
      // closed socket), or once the client had the server's FIN (its own closing bytes, a TLS
      // close_notify, meeting the closed socket).
      // (A connection the exit cut is failed above, as open at the exit.)
      const deadline = deadlineOf(conn.server);
      const stop = stopOf(conn);
      if (client.error?.reset === true && client.error.at < deadline - EARLY && !raced && ordinal(client.end) > client.error.seq && stop?.byExit !== true) {
        fail('reset', `${client.id} got ${client.error.code} at ${ms(client.error.at)}, before the deadline (${ms(deadline)}); the server ${stop === undefined ? 'had not ended it' : `${stop.how === 'FIN' ? 'sent FIN' : 'closed it'} at ${ms(stop.at)}`}`);
      }
    }

    // ---- HTTP/2 sessions and streams --------------------------------------------------------------------
    for (const session of sessions) {
      if (session.refused !== undefined) {
        count('refused');
        if (!refusalAllowed('main', session.refused)) fail('refused', `session ${session.id} was refused at ${ms(session.refused.at)} while the listener was open`);
        continue;
      }
      const conn = serverConnOf(session);
      if (conn === undefined) {
        if (session.connected !== undefined || session.error !== undefined) unaccepted(session.id, 'main', session, session.closed);
        continue;
      }
      const deadline = deadlineOf('main');
      const stop = stopOf(conn)!;
      const cutEarly = !stop.byExit && stop.at < deadline - EARLY;
      // The same race as an idle HTTP/1 connection's: the server ended it before reading a byte of it.
      if (cutEarly && stop.bytesRead === 0) {
        count('race: h2 session unread when the server ended the connection');
        continue;
      }
      const state = `the server had read ${stop.bytesRead ?? '?'} bytes${spec.protocol === 'h2c' ? '' : conn.secure === undefined || conn.secure.seq > stop.seq ? ', its TLS handshake unfinished' : ''}`;
      if (session.error?.reset === true && session.error.at < deadline - EARLY) fail('reset', `session ${session.id} got ${session.error.code} at ${ms(session.error.at)}, before the deadline (${ms(deadline)}); ${state} when it ${stop.how === 'FIN' ? 'sent FIN' : 'closed the connection'} at ${ms(stop.at)}`);
      if (session.goaway !== undefined && session.goaway.code !== 0 && session.goaway.at < deadline - EARLY) fail('goaway', `session ${session.id} got GOAWAY with error code ${session.goaway.code} at ${ms(session.goaway.at)}, before the deadline`);
      if (cutEarly && session.goaway === undefined) fail('goaway', `session ${session.id}'s connection was ended (${stop.how}) at ${ms(stop.at)}, before the deadline (${ms(deadline)}), without a GOAWAY: ${state}`);
      for (const stream of session.streams) {
        if (stream.sent === undefined) continue;
        const handled = servedOf(stream.id);
        // A stream cut with its session may still end its readable side: its body decides.
        if (stream.complete !== undefined && stream.status === 200 && stream.body === expectedBody(stream.id, stream.spec.handler)) continue;
        if (stream.complete !== undefined && stream.status !== undefined && stream.status !== 200) {
          fail('response', `stream ${stream.id}: status ${stream.status}`);
          continue;
        }
        // Refused (REFUSED_STREAM, or above GOAWAY's last stream): never processed, safe to retry.
        const aboveGoaway = session.goaway !== undefined && stream.streamId !== undefined && stream.streamId > session.goaway.lastStreamID;
        if (handled === undefined && (stream.rstCode === 7 || aboveGoaway)) {
          count('h2 stream refused');
          continue;
        }
        const state = handled === undefined ? 'never handled, not refused' : `handled at ${ms(handled.arrived.at)}`;
        if (stop.byExit) fail('answered', `stream ${stream.id} (opened at ${ms(stream.sent.at)}, ${state}) was unanswered when the run ended: the exit cut it`);
        else if (cutEarly) fail('answered', `stream ${stream.id} (opened at ${ms(stream.sent.at)}, ${state}) was cut before the deadline: the server ended its connection (${stop.how}) at ${ms(stop.at)}, deadline ${ms(deadline)}`);
        else if (handled?.finished !== undefined && handled.finished.at < deadline - DRAIN_SLACK - stalled(handled.finished.at, deadline)) fail('answered', `stream ${stream.id}: its response finished at ${ms(handled.finished.at)}, before the deadline (${ms(deadline)}), and never arrived whole`);
        else if (handled === undefined && session.goaway !== undefined && stream.streamId !== undefined && stream.streamId <= session.goaway.lastStreamID) fail('answered', `stream ${stream.id} (id ${stream.streamId}) is within GOAWAY's last stream ${session.goaway.lastStreamID}, and was never handled`);
        else count('cut at the deadline');
      }
    }

    // ---- The drains' outcomes and counts ------------------------------------------------------------------
    for (const [name, drain] of drains) {
      const hook = drain.report;
      if (hook === undefined || drain.started === undefined || drain.reported === undefined) continue;
      const conns = serverConns.filter((conn) => conn.server === name && conn.shut !== undefined && !conn.shut.byExit);
      const shutAfter = (conn: ServerConn, mark: Stamp): boolean => conn.shut!.seq > mark.seq;
      if (hook.outcome === 'ok') {
        // (One accepted after the drain ended, by a listener that should not have been open then, is failed above.)
        for (const conn of conns) if (conn.accepted.seq < drain.reported.seq && shutAfter(conn, drain.reported)) fail('report', `${name}'s drain ended ok at ${ms(drain.reported.at)} with connection ${conn.key} still open (closed at ${ms(conn.shut!.at)})`);
      } else if (hook.outcome === 'timeout' && drain.aborted !== undefined) {
        const aborted = drain.aborted;
        const open = conns.filter((conn) => shutAfter(conn, aborted));
        // The drain sees a socket go at its 'close' event, a loop turn after the descriptor closes.
        const lastClose = Math.max(drain.started.at, ...conns.map((conn) => conn.closed?.at ?? Infinity));
        if (open.length === 0 && lastClose < aborted.at - DRAIN_SLACK - stalled(lastClose, aborted.at)) fail('report', `${name}'s drain timed out at ${ms(aborted.at)}, though its last connection had closed at ${ms(lastClose)}`);
        const late = aborted.at + DRAIN_SLACK + stalled(aborted.at, reportAt.at);
        for (const conn of open) if (conn.shut!.at > late) fail('deadline', `${name} connection ${conn.key} closed at ${ms(conn.shut!.at)}, ${(conn.shut!.at - aborted.at).toFixed(1)} ms after its drain's deadline`);
        // Waiting until the deadline is for work in progress: idle connections must not hold the
        // drain. Its closes come a grace and a few polls after the drain starts; on a loop that
        // stalled meanwhile, that much later.
        const recent = aborted.at - IDLE_AT_DEADLINE - stalled(drain.started.at, aborted.at);
        const busy = open.filter((conn) => {
          if (conn.foreign || (conn.fin !== undefined && conn.fin.seq < aborted.seq)) return true;
          if (served.some((each) => each.conn === conn && (each.finished === undefined || each.finished.at > recent))) return true;
          const session = sessions.find((each) => serverConnOf(each) === conn);
          if (session !== undefined) return session.streams.some((stream) => stream.sent !== undefined && (stream.closed === undefined || stream.closed.at > recent));
          const client = clientConns.find((each) => serverConnOf(each) === conn);
          if (client === undefined) return true;
          const activity = client.units.flatMap((unit) => [unit.first?.at, unit.last?.at, unit.done?.at, unit.continued?.at]).filter((at) => at !== undefined);
          return client.units.some((unit) => unit.first !== undefined && unit.done === undefined) || Math.max(conn.accepted.at, conn.secure?.at ?? 0, ...activity) > recent;
        });
        if (open.length > 0 && busy.length === 0 && drain.started.at < recent) fail('idle-wait', `${name}'s drain waited until its deadline (${ms(aborted.at)}) for ${open.length} connection(s) idle for ${IDLE_AT_DEADLINE} ms or more: ${open.map((conn) => conn.key).join(', ')}`);
      }
      const entry = report.servers.find((each) => each.name === name);
      if (entry === undefined) {
        fail('report', `report.servers has no entry for ${name}`);
        continue;
      }
      // Connections accepted after the drain ended (failed above) leave its counts without a meaning.
      if (conns.some((conn) => conn.accepted.seq > drain.reported!.seq)) continue;
      // destroyed: the descriptors closed at the deadline. The others open during the drain are
      // idleClosed or finished: at least those whose descriptor closed after the drain began, at most
      // those whose 'close' event came after it.
      const destroyed = drain.aborted === undefined ? 0 : conns.filter((conn) => shutAfter(conn, drain.aborted!)).length;
      if (entry.destroyed !== destroyed) fail('counts', `report.servers[${name}].destroyed is ${entry.destroyed}, but ${destroyed} connection(s) were closed at the deadline`);
      const total = entry.idleClosed + entry.finished + entry.destroyed;
      const atLeast = conns.filter((conn) => shutAfter(conn, drain.started!)).length;
      const atMost = conns.filter((conn) => conn.closed === undefined || conn.closed.seq > drain.started!.seq).length;
      if (total < atLeast || total > atMost) fail('counts', `report.servers[${name}] counts ${total} connection(s) (idleClosed ${entry.idleClosed}, finished ${entry.finished}, destroyed ${entry.destroyed}); ${atLeast === atMost ? atLeast : `${atLeast} to ${atMost}`} were open during the drain`);
    }

    // ---- Guarantee 7, and honesty: a run that lost a request does not say clean --------------------------
    const failedHook = report.phases.some((phase) => phase.hooks.some((hook) => hook.outcome === 'error' || hook.outcome === 'timeout'));
    const outcome = failedHook ? 'failed' : 'clean';
    if (report.outcome !== outcome || report.exitCode !== (failedHook ? 1 : 0)) fail('report', `report: ${report.outcome}, exit code ${report.exitCode}; expected ${outcome}`);
    const lost = failures.filter((failure) => /^\[(answered|reset|late-listen|open-at-exit|accept-queue)\]/.test(failure)).length;
    if (report.outcome === 'clean' && lost > 0) fail('honest', `the report says clean, exit code 0, though ${lost} failure(s) above lost or cut requests or connections`);
  }
}
