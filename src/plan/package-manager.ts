import type { Log } from '../report/log.js';
import { builtin } from '../runtime/builtin.js';

/**
 * Says once when the process was started through a package manager that does not pass SIGTERM on
 * to node, as measured: `npm start` through a `sh` that is dash (Debian's) leaves node running
 * when npm is signalled, and yarn 1 exits at once, so as PID 1 node is killed with no cleanup.
 */
export function warnIfSignalsAreNotForwarded(log: Log, env: NodeJS.ProcessEnv = process.env): void {
  const agent = env.npm_config_user_agent;
  if (agent === undefined || env.npm_lifecycle_event === undefined) return;
  const manager = agent.split(' ', 1)[0]!;
  const npmThroughSh = manager.startsWith('npm/') && parentCommand() === 'sh';
  if (!npmThroughSh && !manager.startsWith('yarn/1.')) return;
  log.warn(
    `started by ${manager} (${env.npm_lifecycle_event}), which does not pass SIGTERM on to node: a platform's SIGTERM may never reach this process. Start node directly (CMD ["node", "server.js"]), or use "exec node …" in the script`,
  );
}

function parentCommand(): string | undefined {
  try {
    return builtin('node:fs').readFileSync(`/proc/${process.ppid}/comm`, 'utf8').trim();
  } catch {
    // Not Linux, or /proc is not mounted: npm's own shell cannot be told apart.
    return undefined;
  }
}
