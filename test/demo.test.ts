import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

it('npm run demo: the phases in order, and a tally in which nothing is lost', async () => {
  const root = fileURLToPath(new URL('..', import.meta.url));
  const demo = spawn(process.execPath, ['examples/demo.mjs'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  demo.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  demo.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const code = await new Promise<number | null>((resolve, reject) => {
    const timer = setTimeout(() => (demo.kill('SIGKILL'), reject(new Error(`demo still running after 30 s:\n${output}`))), 30_000);
    demo.on('close', (exit) => (clearTimeout(timer), resolve(exit)));
  });

  expect(code, output).toBe(0);
  const phases = ['stop-intake', 'stop-scheduler', 'close-http', 'drain', 'close-clients', 'exit'];
  const logged = phases.map((phase) => output.indexOf(`lastcall: ${phase}: `));
  expect(logged.every((at) => at !== -1), output).toBe(true);
  expect(logged).toEqual([...logged].sort((a, b) => a - b));
  expect(output).toMatch(/requests: {2}13 sent, 13 answered, 0 failed/);
  expect(output).toMatch(/jobs: {6}\d+ started, \d+ finished, \d+ handed back, 0 lost/);
  expect(output).toMatch(/messages: {2}\d+ taken, \d+ acked, 1 handed back \(nack\), 0 lost, 0 handled twice/);
  expect(output).toMatch(/client: {4}closed with 0 queries in use; 0 queries on the closed client/);
  expect(output).toContain('demo: nothing was lost; 1 task(s) outlasted the drain and were handed back, which the report counts as "failed" (exit code 1).');
  // Piped, so no colour codes; and the log says of each phase what the report's tree says.
  expect(output).not.toContain('\x1b[');
  for (const phase of phases) {
    const logged = new RegExp(`lastcall: ${phase}: (\\w+) in`).exec(output)?.[1];
    const tree = new RegExp(`[├└]─ ${phase} +(\\w+)`).exec(output)?.[1];
    expect([phase, logged], output).toEqual([phase, tree]);
  }
});
