/** The IPC message a primary sends its workers, and a worker's coordinator takes as a trigger. */
export const SHUTDOWN_MESSAGE = { lastcall: 'shutdown' } as const;

export function isShutdownMessage(message: unknown): boolean {
  return (message as { lastcall?: unknown } | null)?.lastcall === SHUTDOWN_MESSAGE.lastcall;
}
