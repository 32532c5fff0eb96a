// Guarantee 15: a process started by `npm start` through Debian's sh (dash), which does not pass
// SIGTERM on to node, says so once at start-up. Real npm, real sh.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, expect, it } from 'vitest';

const dir = mkdtempSync(join(tmpdir(), 'lastcall-npm-start-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('npm start through sh: one warning that SIGTERM will not reach node', async () => {
  const dist = pathToFileURL(join(import.meta.dirname, '../../dist/index.js')).href;
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'service', private: true, scripts: { start: 'node server.mjs' } }));
  writeFileSync(
    join(dir, 'server.mjs'),
    `import { ShutdownCoordinator } from ${JSON.stringify(dist)};\nconst coordinator = new ShutdownCoordinator({ exit: false });\nawait coordinator.start();\n`,
  );
  const npm = spawn('npm', ['start', '--silent'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, npm_config_script_shell: '/bin/sh' } });
  let output = '';
  npm.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  npm.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const code = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => (npm.kill('SIGKILL'), reject(new Error(`npm start still running after 20 s:\n${output}`))), 20_000);
    npm.on('close', (exit) => (clearTimeout(timer), resolve(exit)));
  });
  expect(code, output).toBe(0);
  const warnings = output.split('\n').filter((line) => line.includes('which does not pass SIGTERM on to node'));
  expect(warnings, output).toHaveLength(1);
  expect(warnings[0]).toMatch(/lastcall: started by npm\/\d+\.\d+\.\d+ \(start\)/);
});
