/**
 * The error of a hook whose worker or child ended badly. The message says all there is to say:
 * a stack would show only lastcall's own frames, in a log line about the application's process.
 */
export function stopFailure(message: string): Error {
  const error = new Error(message);
  error.stack = `Error: ${message}`;
  return error;
}
