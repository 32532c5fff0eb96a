// The package as users get it: `npm pack`, unpacked into a scratch project's node_modules,
// then imported from ESM, required from CommonJS, and type-checked as a consumer would.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), 'lastcall-package-'));
const consumer = join(scratch, 'consumer');
let packed: { files: { path: string }[]; filename: string };

beforeAll(() => {
  const [info] = JSON.parse(execFileSync('npm', ['pack', '--json', '--pack-destination', scratch], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }));
  packed = info;
  const installed = join(consumer, 'node_modules', 'lastcall');
  mkdirSync(installed, { recursive: true });
  // What npm does for a package without dependencies: unpack it in place.
  execFileSync('tar', ['xzf', join(scratch, packed.filename), '-C', installed, '--strip-components=1']);
  writeFileSync(join(consumer, 'package.json'), '{ "name": "consumer", "private": true }');
}, 60_000);

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const run = (args: string[]) => execFileSync(process.execPath, args, { cwd: consumer, encoding: 'utf8' }).trim();

describe('the packed package', () => {
  it('holds only what users need', () => {
    expect(packed.files.map((file) => file.path).sort()).toEqual([
      'LICENSE',
      'README.md',
      'dist/index.cjs',
      'dist/index.cjs.map',
      'dist/index.d.cts',
      'dist/index.d.ts',
      'dist/index.js',
      'dist/index.js.map',
      'package.json',
    ]);
    const manifest = JSON.parse(readFileSync(join(consumer, 'node_modules/lastcall/package.json'), 'utf8'));
    expect(manifest.dependencies).toBeUndefined();
  });

  it('imports from ESM and requires from CommonJS, the same API either way', () => {
    const esm = run(['--input-type=module', '-e', "import * as lastcall from 'lastcall'; console.log(Object.keys(lastcall).sort().join())"]);
    const cjs = run(['-e', "console.log(Object.keys(require('lastcall')).sort().join())"]);
    expect(esm).toBe('CHANNELS,LastcallError,PHASES,ShutdownCoordinator,formatReport');
    expect(cjs).toBe(esm);
  });

  for (const [resolution, files] of [
    ['nodenext', { 'esm.mts': 'esm', 'cjs.cts': 'cjs' }],
    ['bundler', { 'app.ts': 'esm' }],
  ] as const) {
    it(`type-checks a consumer under moduleResolution ${resolution}`, () => {
      const dir = join(consumer, resolution);
      mkdirSync(dir, { recursive: true });
      const names = Object.keys(files).map((name) => {
        writeFileSync(
          join(dir, name),
          [
            "import { ShutdownCoordinator, formatReport, type ShutdownReport, type HookContext } from 'lastcall';",
            'const coordinator = new ShutdownCoordinator({ exit: false, signals: [], timeout: 1_000 });',
            "coordinator.register({ name: 'pool', phase: 'close-clients', run: ({ signal }: HookContext) => signal.aborted });",
            'const report: Promise<ShutdownReport> = coordinator.shutdown();',
            'void report.then((r) => formatReport(r));',
            '// @ts-expect-error: an unknown phase is a type error',
            "coordinator.register({ name: 'x', phase: 'closing', run: () => {} });",
          ].join('\n'),
        );
        return join(dir, name);
      });
      const options: ts.CompilerOptions =
        resolution === 'nodenext'
          ? { module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext }
          : { module: ts.ModuleKind.ESNext, moduleResolution: ts.ModuleResolutionKind.Bundler };
      const program = ts.createProgram(names, {
        ...options,
        target: ts.ScriptTarget.ES2022,
        strict: true,
        noEmit: true,
        types: ['node'],
        typeRoots: [join(root, 'node_modules/@types')],
      });
      const problems = ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
      expect(problems).toEqual([]);
      // The types came from the package's own declarations, not from anywhere else.
      const declarations = program
        .getSourceFiles()
        .map((file) => file.fileName)
        .filter((name) => name.includes('node_modules/lastcall/'))
        .map((name) => name.slice(name.indexOf('dist/')))
        .sort();
      expect(declarations).toEqual(resolution === 'nodenext' ? ['dist/index.d.cts', 'dist/index.d.ts'] : ['dist/index.d.ts']);
      // A whole TypeScript program: seconds of CPU, which a loaded machine stretches.
    }, 120_000);
  }
});
