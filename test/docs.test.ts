// The guide and the reference pages cannot drift from the API: every TypeScript program in
// README.md and docs/ type-checks against the built types, the README's first program runs as a
// user would run it, every relative link resolves, and the API reference names every export.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { freePort } from './helpers/net.js';

const root = fileURLToPath(new URL('..', import.meta.url));
// The recipes become tested services of their own (recipes/); their page is checked against them.
const pages = ['README.md', ...readdirSync(join(root, 'docs')).filter((name) => name.endsWith('.md') && name !== 'recipes.md').map((name) => `docs/${name}`)];
const read = (page: string): string => readFileSync(join(root, page), 'utf8');
const blocksOf = (text: string, lang: string): string[] => [...text.matchAll(new RegExp(`\`\`\`${lang}\\n([\\s\\S]*?)\`\`\``, 'g'))].map((match) => match[1]!);

describe('README.md', () => {
  it('is a guide, not a reference: under 25,000 characters', () => {
    expect(read('README.md').length).toBeLessThan(25_000);
  });

  it('its first program runs on its own: Ctrl-C mid-request answers the request, stops the ticker, exits 0, and logs as the README shows', async () => {
    const readme = read('README.md');
    const program = blocksOf(readme, 'ts')[0]!;
    const shownLog = blocksOf(readme, 'text')[0]!;
    const port = await freePort();
    const dist = pathToFileURL(join(root, 'dist/index.js')).href;
    const js = ts.transpileModule(program.replace("from 'lastcall'", `from ${JSON.stringify(dist)}`).replace('listen(3000', `listen(${port}`), {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
    }).outputText;
    const dir = mkdtempSync(join(tmpdir(), 'lastcall-readme-run-'));
    try {
      writeFileSync(join(dir, 'start.mjs'), js);
      const child = spawn(process.execPath, [join(dir, 'start.mjs')], { stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      const seen = (text: string) =>
        new Promise<void>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`no ${JSON.stringify(text)} within 10 s:\n${output}`)), 10_000);
          const check = () => output.includes(text) && (clearTimeout(timer), resolve());
          child.stdout.on('data', check);
          check();
        });
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
      const ended = new Promise<number | null>((resolve) => child.on('close', resolve));
      try {
        await seen('ready');
        const answer = new Promise<string>((resolve, reject) => {
          request({ host: '127.0.0.1', port, path: '/' }, (res) => {
            let body = '';
            res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
            res.on('end', () => resolve(body));
          })
            .on('error', reject)
            .end();
        });
        await seen('tick');
        child.kill('SIGINT');
        expect(await answer).toBe('done\n');
        expect(await ended).toBe(0);
      } finally {
        if (child.exitCode === null) child.kill('SIGKILL');
      }
      const logged = output.split('\n').filter((line) => line.startsWith('lastcall: ')).map(shape);
      expect(logged).toEqual(shownLog.trim().split('\n').map(shape));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('README.md and docs/', () => {
  it('every TypeScript program type-checks against dist/index.d.ts', () => {
    const blocks = pages.flatMap((page) => blocksOf(read(page), 'ts').map((code, i) => ({ name: `${page} block ${i + 1}`, code })));
    expect(blocks.length).toBeGreaterThanOrEqual(10);
    const dir = mkdtempSync(join(tmpdir(), 'lastcall-docs-'));
    try {
      // As a user's ESM project: top-level await, import from 'lastcall'.
      writeFileSync(join(dir, 'package.json'), '{ "type": "module" }');
      const files = new Map(blocks.map(({ name, code }, i) => [join(dir, `block-${i}.ts`), (writeFileSync(join(dir, `block-${i}.ts`), code), name)]));
      const program = ts.createProgram([...files.keys()], {
        target: ts.ScriptTarget.ES2022,
        lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'],
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
        const file = diagnostic.file;
        const where = file ? `${files.get(file.fileName) ?? file.fileName}:${file.getLineAndCharacterOfPosition(diagnostic.start ?? 0).line + 1}` : '';
        return `${where} ${ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n')}`;
      });
      expect(problems).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    // A whole TypeScript program: seconds of CPU, which a loaded machine stretches.
  }, 120_000);

  it('every relative link points to a file that exists', () => {
    const broken: string[] = [];
    for (const page of [...pages, 'docs/recipes.md', 'CHANGELOG.md']) {
      for (const [, target] of read(page).matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)) {
        if (/^[a-z]+:/.test(target!)) continue;
        if (!existsSync(join(root, dirname(page), target!))) broken.push(`${page}: ${target}`);
      }
    }
    expect(broken).toEqual([]);
  });

  it('the HAProxy settings shown are the ones the HAProxy test runs', () => {
    const shown = blocksOf(read('docs/deployment.md'), 'haproxy')[0]!;
    const tested = readFileSync(join(root, 'test/helpers/haproxy.ts'), 'utf8');
    const directives = shown.split('\n').map((line) => line.trim()).filter((line) => line !== '' && !line.startsWith('backend') && !line.startsWith('server'));
    expect(directives.length).toBeGreaterThanOrEqual(3);
    expect(directives.filter((directive) => !tested.includes(directive))).toEqual([]);
    expect(tested).toContain('fall 1 rise 1');
  });

  it('the nginx settings shown are the ones the fleet test runs', () => {
    const shown = blocksOf(read('docs/deployment.md'), 'nginx')[0]!;
    const tested = readFileSync(join(root, 'test/fleet.test.ts'), 'utf8');
    const directives = shown.split('\n').map((line) => line.replace(/#.*/, '').trim()).filter((line) => line.endsWith(';') && !line.startsWith('server ') && !line.startsWith('proxy_pass'));
    expect(directives.length).toBeGreaterThanOrEqual(5);
    expect(directives.filter((directive) => !tested.includes(directive))).toEqual([]);
  });
});

describe('docs/api.md', () => {
  it('names every export, and every public method of the coordinator', async () => {
    const api = read('docs/api.md');
    const index = read('src/index.ts');
    const exported = [...index.matchAll(/(?:^|[{,]\s*)(?:type\s+)?([A-Z][A-Za-z]+)(?=\s*[,}])/gm)].map((match) => match[1]!);
    expect(exported.length).toBeGreaterThan(20);
    expect(exported.filter((name) => !new RegExp(`\\b${name}\\b`).test(api))).toEqual([]);

    const { ShutdownCoordinator } = await import('../src/index.js');
    const members = Object.getOwnPropertyNames(ShutdownCoordinator.prototype).filter((name) => name !== 'constructor');
    members.push('readinessHandler');
    expect(members.filter((name) => !api.includes(`coordinator.${name}`))).toEqual([]);
  });
});

// A log line without its numbers: "lastcall: close-http: ok in 1413 ms (1 ok)" -> "lastcall: close-http: ok in N ms (N ok)".
function shape(line: string): string {
  return line.replace(/\d+/g, 'N');
}

