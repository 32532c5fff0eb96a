// PM2, the real one: its own daemon in a PM2_HOME of the test's, stopped with `pm2 kill` at the
// end. PM2 stops an app with SIGINT, then SIGKILL after kill_timeout (1600 ms by default).
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, expect, it } from 'vitest';
import { recordCounts } from './helpers/counts.js';
import { send } from './helpers/load.js';
import { freePort } from './helpers/service.js';

const recipes = fileURLToPath(new URL('..', import.meta.url));
const home = mkdtempSync(join(tmpdir(), 'lastcall-pm2-'));

/** Runs the pm2 CLI against the test's own daemon, with `env` for the apps it starts; resolves with its output, within 30 s. */
function pm2(env: Record<string, string>, ...args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(join(recipes, 'node_modules/.bin/pm2'), args, { cwd: recipes, env: { ...process.env, ...env, PM2_HOME: home }, timeout: 30_000 }, (error, stdout, stderr) =>
      error ? reject(new Error(`pm2 ${args.join(' ')}: ${error.message}\n${stdout}\n${stderr}`)) : resolve(stdout + stderr),
    );
  });
}

const logOf = (name: string): string =>
  ['out', 'error'].map((stream) => readFileSync(join(home, 'logs', `${name}-${stream}.log`), { encoding: 'utf8', flag: 'a+' })).join('');

/** Resolves once `text` is in the app's log (PM2 writes it to a file): looked at every 20 ms, 10 s at most. */
async function logged(name: string, text: string): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (logOf(name).includes(text)) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`${name} did not log ${JSON.stringify(text)} within 10 s:\n${logOf(name).slice(-2000)}`);
}

afterAll(async () => {
  await pm2({}, 'kill').catch(() => {});
  rmSync(home, { recursive: true, force: true });
});

it('pm2: the default kill_timeout is named at start-up as too short; with kill_timeout and wait_ready, a request in flight at `pm2 stop` is answered', async () => {
  // The default: 1600 ms, which an 8 s budget does not fit in. lastcall says so, and that it is PM2's default.
  await pm2({ PORT: String(await freePort()) }, 'start', 'dist/services/pm2.js', '--name', 'default');
  await logged('default', 'started in');
  await pm2({}, 'delete', 'default');
  expect(logOf('default')).toContain(
    "the shutdown may be killed before it ends: timeout 8000 ms (the default) does not fit in a grace period of 1600 ms (PM2's default kill_timeout, assumed: set options.gracePeriod if yours differs)",
  );

  // The recipe: kill_timeout 10 s, read from the environment PM2 gives the app; wait_ready answered by start().
  const port = await freePort();
  const started = performance.now();
  await pm2({ PORT: String(port) }, 'start', 'services/ecosystem.config.cjs');
  // pm2 start returned well before listen_timeout (10 s): it heard "ready" from start().
  expect(performance.now() - started).toBeLessThan(8_000);
  expect(await send(port, '/ready')).toMatchObject({ status: 200 });
  const inFlight = send(port, '/slow');
  await logged('api', 'GET /slow'); // the request is being worked on (1 s)
  await pm2({}, 'stop', 'api');
  const answer = await inFlight;
  const log = logOf('api');
  expect(answer).toMatchObject({ status: 200, connection: 'close' });
  expect(log).toContain("grace period 10000 ms (PM2's kill_timeout); the shutdown needs at most 8000 ms");
  expect(log).toContain('shutdown started by SIGINT');
  expect(log).toMatch(/shutdown clean in \d+ ms: exit code 0/);
  recordCounts('pm2', `default kill_timeout named at start-up; with kill_timeout 10 s: ready through wait_ready, 1 request in flight at pm2 stop answered, exit 0`);
});
