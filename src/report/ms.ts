/** A duration for people: `383 ms`. */
export function ms(duration: number): string {
  return `${Math.round(duration)} ms`;
}
