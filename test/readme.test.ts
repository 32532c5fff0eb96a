// Every complete TypeScript program in the README must compile against the built types, so the
// guide cannot drift from the API. Fragments are written as ```js and are not checked.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { expect, it } from 'vitest';

it('the README\'s TypeScript programs type-check against dist/index.d.ts', () => {
  const root = fileURLToPath(new URL('..', import.meta.url));
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const blocks = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((match) => match[1]!);
  expect(blocks.length).toBeGreaterThanOrEqual(5);

  const dir = mkdtempSync(join(tmpdir(), 'lastcall-readme-'));
  try {
    // As a user's ESM project: top-level await, import from 'lastcall'.
    writeFileSync(join(dir, 'package.json'), '{ "type": "module" }');
    const files = blocks.map((code, i) => {
      const file = join(dir, `block-${i}.ts`);
      writeFileSync(file, code);
      return file;
    });
    const program = ts.createProgram(files, {
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      moduleDetection: ts.ModuleDetectionKind.Force,
      strict: true,
      noEmit: true,
      types: ['node'],
      typeRoots: [join(root, 'node_modules/@types')],
      paths: { lastcall: [join(root, 'dist/index.d.ts')] },
    });
    const problems = ts.getPreEmitDiagnostics(program).map((diagnostic) => {
      const where = diagnostic.file ? `${diagnostic.file.fileName.replace(dir, 'README block')}:${diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start ?? 0).line + 1}` : '';
      return `${where} ${ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n')}`;
    });
    expect(problems).toEqual([]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

it('the README\'s API reference names every export, and every public method of the coordinator', async () => {
  const root = fileURLToPath(new URL('..', import.meta.url));
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const api = readme.slice(readme.indexOf('\n## API\n'));
  const index = readFileSync(join(root, 'src/index.ts'), 'utf8');
  const exported = [...index.matchAll(/(?:^|[{,]\s*)(?:type\s+)?([A-Z][A-Za-z]+)(?=\s*[,}])/gm)].map((match) => match[1]!);
  expect(exported.length).toBeGreaterThan(20);
  expect(exported.filter((name) => !new RegExp(`\\b${name}\\b`).test(api))).toEqual([]);

  const { ShutdownCoordinator } = await import('../src/index.js');
  const members = Object.getOwnPropertyNames(ShutdownCoordinator.prototype).filter((name) => name !== 'constructor');
  members.push('readinessHandler');
  expect(members.filter((name) => !api.includes(`coordinator.${name}`))).toEqual([]);
});
