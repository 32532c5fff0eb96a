import { createRequire } from 'node:module';

interface Builtins {
  'node:cluster': import('node:cluster').Cluster;
  'node:os': typeof import('node:os');
  'node:worker_threads': typeof import('node:worker_threads');
}

// Built-ins that only some options or methods need are loaded when first used: importing
// lastcall should cost about what importing node:http does. getBuiltinModule is Node 20.16+.
const load: (id: string) => unknown = process.getBuiltinModule ?? createRequire(import.meta.url);

/** A Node built-in module, loaded on first use. */
export function builtin<K extends keyof Builtins>(id: K): Builtins[K] {
  return load(id) as Builtins[K];
}
