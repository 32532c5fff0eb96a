import { spawn, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './service.js';

/** A database or Redis server this test started, on loopback, with a data directory of its own. */
export interface LocalServer {
  readonly port: number;
  readonly url: string;
  /** Stops the server by its pid and removes its data directory. */
  stop(): Promise<void>;
}

function missing(binary: string, aptPackage: string): Error {
  // A missing server fails the test with what to install; it never skips it.
  return new Error(`${binary} is not installed: apt-get install ${aptPackage} (.ci/run does, with a policy-rc.d that keeps the system service from starting)`);
}

/** Resolves once `pattern` appears in what `child` writes; rejects if it exits first or takes over `within` ms. */
function readyWhen(child: ChildProcess, pattern: RegExp, name: string, within = 20_000): Promise<void> {
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => fail(`${name} not ready within ${within} ms`), within);
    const fail = (why: string): void => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`${why}:\n${output.slice(-3000)}`));
    };
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      if (!pattern.test(output)) return;
      clearTimeout(timer);
      resolve();
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => fail(`${name} exited with ${code}`));
  });
}

function stopByPid(child: ChildProcess, signal: NodeJS.Signals, dir: string): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      rmSync(dir, { recursive: true, force: true });
      resolve();
    };
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      setTimeout(done, 200);
    }, 10_000);
    if (child.exitCode !== null || child.signalCode !== null) return done();
    child.once('exit', done);
    process.kill(child.pid!, signal);
  });
}

function run(binary: string, args: string[], options: { uid?: number; gid?: number }): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(binary, args, { ...options, stdio: 'pipe' });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${binary} exited with ${code}:\n${output}`))));
  });
}

/** The `postgres` user's uid and gid: PostgreSQL refuses to run as root. */
function postgresUser(): { uid: number; gid: number } {
  const line = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((each) => each.startsWith('postgres:'));
  if (line === undefined) throw new Error('no postgres user in /etc/passwd: apt-get install postgresql creates it');
  const [, , uid, gid] = line.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}

/** Starts a PostgreSQL from Debian's packages on 127.0.0.1 and a free port: trust auth, no fsync, a temporary cluster. */
export async function startPostgres(): Promise<LocalServer> {
  const versions = existsSync('/usr/lib/postgresql') ? readdirSync('/usr/lib/postgresql').sort((a, b) => Number(b) - Number(a)) : [];
  const bin = versions.map((version) => `/usr/lib/postgresql/${version}/bin`).find((each) => existsSync(`${each}/postgres`));
  if (bin === undefined) throw missing('/usr/lib/postgresql/*/bin/postgres', 'postgresql');
  const user: { uid?: number; gid?: number } = process.getuid?.() === 0 ? postgresUser() : {};
  const dir = mkdtempSync(join(tmpdir(), 'lastcall-recipes-pg-'));
  if (user.uid !== undefined && user.gid !== undefined) chownSync(dir, user.uid, user.gid);
  await run(`${bin}/initdb`, ['-D', join(dir, 'data'), '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8'], user);
  const port = await freePort();
  const child = spawn(`${bin}/postgres`, ['-D', join(dir, 'data'), '-h', '127.0.0.1', '-p', String(port), '-k', dir, '-F'], { ...user, stdio: 'pipe' });
  await readyWhen(child, /database system is ready to accept connections/, 'postgres');
  // SIGINT is PostgreSQL's fast shutdown: it ends the sessions and exits.
  return { port, url: `postgres://postgres@127.0.0.1:${port}/postgres`, stop: () => stopByPid(child, 'SIGINT', dir) };
}

/** Starts a Redis from Debian's packages on 127.0.0.1 and a free port, with nothing saved to disk. */
export async function startRedis(): Promise<LocalServer> {
  const binary = '/usr/bin/redis-server';
  if (!existsSync(binary)) throw missing(binary, 'redis-server');
  const dir = mkdtempSync(join(tmpdir(), 'lastcall-recipes-redis-'));
  const port = await freePort();
  const child = spawn(binary, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], { stdio: 'pipe' });
  await readyWhen(child, /Ready to accept connections/, 'redis-server');
  return { port, url: `redis://127.0.0.1:${port}`, stop: () => stopByPid(child, 'SIGTERM', dir) };
}
