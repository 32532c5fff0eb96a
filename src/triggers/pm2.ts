// PM2 recognised by the marker it sets in every app's environment, in every mode.
const underPm2 = (): boolean => process.env.pm_id !== undefined && typeof process.send === 'function';

/**
 * Under PM2 with `shutdown_with_message`, PM2 sends no signal, only the IPC message 'shutdown'
 * (then SIGKILL at kill_timeout): a trigger like a signal. Returns the removal, or nothing.
 */
export function onPm2Shutdown(onShutdown: () => void): (() => void) | undefined {
  if (!underPm2()) return undefined;
  const listener = (message: unknown): void => {
    if (message === 'shutdown') onShutdown();
  };
  process.on('message', listener);
  return () => void process.off('message', listener);
}

/** Under PM2 with `wait_ready`, a reload keeps the old instance until the new one says it is ready. */
export function tellPm2Ready(): void {
  if (underPm2() && process.env.wait_ready === 'true') process.send!('ready');
}
