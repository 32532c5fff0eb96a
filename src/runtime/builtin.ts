interface Builtins {
  'node:async_hooks': typeof import('node:async_hooks');
  'node:child_process': typeof import('node:child_process');
  'node:cluster': import('node:cluster').Cluster;
  'node:diagnostics_channel': typeof import('node:diagnostics_channel');
  'node:events': typeof import('node:events');
  'node:fs': typeof import('node:fs');
  'node:net': typeof import('node:net');
  'node:os': typeof import('node:os');
  'node:util': typeof import('node:util');
  'node:worker_threads': typeof import('node:worker_threads');
}

// An ESM import of a built-in builds a module namespace for it (node:fs's has a hundred names),
// and some built-ins are needed only by some options: importing lastcall cost 13 ms more than
// node:http. process.getBuiltinModule (Node 20.16+, Bun, Deno) hands over the module as it is,
// loading it only if nothing has yet.
const getBuiltinModule = process.getBuiltinModule as ((id: string) => unknown) | undefined;
if (typeof getBuiltinModule !== 'function') throw new Error('lastcall needs Node.js 20.16 or later (process.getBuiltinModule)');

/** A built-in module, loaded when first asked for. */
export function builtin<K extends keyof Builtins>(id: K): Builtins[K] {
  return getBuiltinModule!(id) as Builtins[K];
}
