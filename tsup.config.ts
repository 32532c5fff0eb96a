import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  target: 'node20',
  platform: 'node',
  // `node:` specifiers as written: Deno and Bun resolve them, and a reader of dist/ sees built-ins.
  removeNodeProtocol: false,
  clean: true,
  sourcemap: true,
});
