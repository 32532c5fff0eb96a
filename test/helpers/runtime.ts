// Which runtime runs the fixtures. The test runner itself always runs on Node; with
// LASTCALL_RUNTIME=bun or deno, every fixture process runs under that runtime instead, found on
// PATH (or at LASTCALL_RUNTIME_BIN), so the same tests measure the same guarantees there.

export type RuntimeName = 'node' | 'bun' | 'deno';

export interface Runtime {
  readonly name: RuntimeName;
  readonly command: string;
  /** Put before the fixture's file: `run -A` for Deno (all permissions, as a service would get). */
  readonly args: readonly string[];
}

function select(): Runtime {
  const name = process.env.LASTCALL_RUNTIME ?? 'node';
  const bin = process.env.LASTCALL_RUNTIME_BIN;
  switch (name) {
    case 'node':
      return { name, command: bin ?? process.execPath, args: [] };
    case 'bun':
      return { name, command: bin ?? 'bun', args: [] };
    case 'deno':
      return { name, command: bin ?? 'deno', args: ['run', '-A'] };
    default:
      throw new Error(`LASTCALL_RUNTIME must be node, bun or deno, not ${JSON.stringify(name)}`);
  }
}

export const runtime: Runtime = select();

/**
 * True when the fixtures run on Node. For tests of what only Node has (its command-line flags,
 * `node:cluster` on Deno): `it.runIf(onNode)` skips them elsewhere, and says so in the count.
 */
export const onNode = runtime.name === 'node';
