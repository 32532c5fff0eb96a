/** The IPC message a primary sends its workers, and a worker's coordinator takes as a trigger. */
export const SHUTDOWN_MESSAGE = { lastcall: 'shutdown' } as const;

/**
 * What a worker's coordinator says to the primary once it listens: a primary already stopping
 * answers with the shutdown message, which it sent before the worker could hear it.
 */
export const LISTENING_MESSAGE = { lastcall: 'listening' } as const;

export function isShutdownMessage(message: unknown): boolean {
  return (message as { lastcall?: unknown } | null)?.lastcall === SHUTDOWN_MESSAGE.lastcall;
}

export function isListeningMessage(message: unknown): boolean {
  return (message as { lastcall?: unknown } | null)?.lastcall === LISTENING_MESSAGE.lastcall;
}
