// Renders docs/recipes.md from page.md, the recipe services and the installed versions, so the page
// shows exactly the code the recipe tests run. `npm run docs` writes it; test/docs.test.ts fails
// when the committed page differs from what this renders.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = new URL('../', import.meta.url);
const read = (path) => readFileSync(new URL(path, root), 'utf8');
export const pagePath = fileURLToPath(new URL('../docs/recipes.md', root));

const languages = { '.ts': 'ts', '.mjs': 'js', '.js': 'js', '.cjs': 'js' };

function code(path) {
  const language = languages[path.slice(path.lastIndexOf('.'))];
  if (language === undefined) throw new Error(`page.md: no code block language for ${path}`);
  return `\`${path.replace(/^services\//, 'recipes/services/')}\`:\n\n\`\`\`${language}\n${read(path).trimEnd()}\n\`\`\``;
}

function versions() {
  const { dependencies } = JSON.parse(read('package.json'));
  const lock = JSON.parse(read('package-lock.json'));
  const rows = Object.keys(dependencies)
    .filter((name) => name !== 'lastcall')
    .map((name) => `| \`${name}\` | ${lock.packages[`node_modules/${name}`].version} |`);
  return ['| Package | Version |', '| --- | --- |', ...rows].join('\n');
}

/** The page as it must be committed. */
export function render() {
  const page = read('page.md')
    .replace('{{versions}}', versions)
    .replace(/\{\{code ([^}]+)\}\}/g, (_, path) => code(path.trim()));
  const left = /\{\{[^}]*\}\}/.exec(page);
  if (left) throw new Error(`page.md: unknown placeholder ${left[0]}`);
  return `<!-- Generated from recipes/page.md and recipes/services/ by \`npm run docs\` in recipes/: edit those, not this page. -->\n${page}`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(pagePath, render());
  console.log(`wrote ${pagePath}`);
}
