import { builtin } from '../runtime/builtin.js';

/** A platform lastcall recognises from inside the process, and the grace period it gives by default. */
export interface Platform {
  readonly name: string;
  /** Milliseconds from its SIGTERM (SIGINT for PM2) to its SIGKILL. */
  readonly gracePeriod: number;
  /** Whether `gracePeriod` is the platform's default (an assumption) or read from its settings. */
  readonly assumed: boolean;
}

const PM2_KILL_TIMEOUT = 1_600;

/**
 * The platform this process runs on, from markers the platform itself sets; undefined when none
 * is recognised. Checked in this order because Knative (on Kubernetes) also sets Cloud Run's marker.
 */
export function detectPlatform(env: NodeJS.ProcessEnv = process.env): Platform | undefined {
  if (env.pm_id !== undefined) {
    // PM2 puts kill_timeout in the environment only when it was set (--kill-timeout, ecosystem file).
    const set = Number(env.kill_timeout);
    return Number.isInteger(set) && set > 0
      ? { name: "PM2's kill_timeout", gracePeriod: set, assumed: false }
      : { name: "PM2's default kill_timeout", gracePeriod: PM2_KILL_TIMEOUT, assumed: true };
  }
  if (env.KUBERNETES_SERVICE_HOST !== undefined) return { name: "Kubernetes' default terminationGracePeriodSeconds", gracePeriod: 30_000, assumed: true };
  if (env.K_SERVICE !== undefined) return { name: "Cloud Run's shutdown time", gracePeriod: 10_000, assumed: true };
  if (env.ECS_CONTAINER_METADATA_URI_V4 !== undefined || env.ECS_CONTAINER_METADATA_URI !== undefined) {
    return { name: "ECS's default stopTimeout", gracePeriod: 30_000, assumed: true };
  }
  if (env.INVOCATION_ID !== undefined) return { name: "systemd's default TimeoutStopSec", gracePeriod: 90_000, assumed: true };
  if (inDocker(env)) return { name: "docker stop's default timeout", gracePeriod: 10_000, assumed: true };
  return undefined;
}

// /.dockerenv alone misleads (images keep it when a VM boots from them); Docker also names a
// container's host after its short id, unless told otherwise. Both are cheap to look at, where
// reading /proc/self/mountinfo took 4 ms.
function inDocker(env: NodeJS.ProcessEnv): boolean {
  return /^[0-9a-f]{12}$/.test(env.HOSTNAME ?? '') && builtin('node:fs').existsSync('/.dockerenv');
}
