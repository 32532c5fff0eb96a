let ours = false;

/** Ends the process through `process.exit`, so loggers' exit listeners run, marked as lastcall's own exit. */
export function exitProcess(code: number): void {
  ours = true;
  process.exit(code);
}

/** True once lastcall itself is ending the process. */
export function exitingOurselves(): boolean {
  return ours;
}
