/** Where `api` was called from: the caller's frames only, none of lastcall's. */
export function callerStack(api: (...args: never[]) => unknown): string {
  const holder: { stack?: string } = {};
  Error.captureStackTrace(holder, api);
  return (holder.stack ?? '').split('\n').slice(1).join('\n');
}
