import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request, type Agent } from 'node:https';
import http2, { type ClientHttp2Session } from 'node:http2';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Answer } from './http.js';

/** A self-signed certificate for 127.0.0.1, in a temporary directory of its own. */
export interface TestCert {
  readonly dir: string;
  readonly keyPath: string;
  readonly certPath: string;
  /** The certificate's PEM, for clients to trust (`ca`). */
  readonly cert: Buffer;
  /** The environment the fixture server reads its key and certificate from. */
  readonly env: { TLS_KEY: string; TLS_CERT: string };
  remove(): void;
}

/** Makes a one-day self-signed certificate for IP 127.0.0.1 with the openssl CLI; no network. */
export function makeCert(): TestCert {
  const dir = mkdtempSync(join(tmpdir(), 'lastcall-tls-'));
  const keyPath = join(dir, 'key.pem');
  const certPath = join(dir, 'cert.pem');
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', keyPath, '-out', certPath, '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1'],
    { stdio: 'pipe', timeout: 20_000 },
  );
  return {
    dir,
    keyPath,
    certPath,
    cert: readFileSync(certPath),
    env: { TLS_KEY: keyPath, TLS_CERT: certPath },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** One GET over HTTPS (HTTP/1.1) to 127.0.0.1, trusting `ca`; rejects with the socket error. */
export function httpsGet(port: number, path: string, options: { ca: Buffer; agent?: Agent; id?: string }): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path,
        ca: options.ca,
        agent: options.agent ?? false,
        headers: options.id === undefined ? {} : { 'x-id': options.id },
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode!, connection: res.headers.connection, body, at: performance.now() }));
        res.on('error', reject);
      },
    );
    req.on('error', reject).end();
  });
}

/** An HTTP/2 client session to 127.0.0.1: `h2` over TLS (trusting `ca`), `h2c` in plain text. */
export function h2Connect(protocol: 'h2' | 'h2c', port: number, ca?: Buffer): Promise<ClientHttp2Session> {
  return new Promise((resolve, reject) => {
    const url = `${protocol === 'h2' ? 'https' : 'http'}://127.0.0.1:${port}`;
    const session = http2.connect(url, protocol === 'h2' ? { ca } : {});
    session.once('error', reject);
    session.once('connect', () => {
      session.off('error', reject);
      // A session error after this is reported through the stream or the test's own listeners.
      session.on('error', () => {});
      resolve(session);
    });
  });
}

/** What an HTTP/2 stream received. */
export interface H2Answer {
  readonly status: number;
  readonly body: string;
  /** performance.now() when the stream's body had ended. */
  readonly at: number;
}

/** One GET on an HTTP/2 session; rejects with the stream's error. */
export function h2Get(session: ClientHttp2Session, path: string, id?: string): Promise<H2Answer> {
  return new Promise((resolve, reject) => {
    const stream = session.request({ ':path': path, ...(id === undefined ? {} : { 'x-id': id }) });
    let status = 0;
    let body = '';
    stream.on('response', (headers) => (status = Number(headers[':status'])));
    stream.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
    stream.on('end', () => resolve({ status, body, at: performance.now() }));
    stream.on('error', reject);
    stream.end();
  });
}
