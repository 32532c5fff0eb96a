/** What `fn` throws; fails the test if it returns. */
export function thrownBy(fn: () => unknown): Error & { code?: string } {
  try {
    fn();
  } catch (error) {
    return error as Error & { code?: string };
  }
  throw new Error('did not throw');
}
