/**
 * What still holds the event loop open, counted by kind: `2 × TCPSocketWrap, 1 × Timeout`.
 * Asked only while the process is alive past its end: an empty list then means the runtime does
 * not list its resources (Bun's is always empty), not that nothing is there.
 */
export function describeActiveResources(): string {
  const counts = new Map<string, number>();
  for (const kind of process.getActiveResourcesInfo()) counts.set(kind, (counts.get(kind) ?? 0) + 1);
  if (counts.size === 0) return 'resources this runtime does not list (process.getActiveResourcesInfo() is empty)';
  return [...counts].map(([kind, count]) => `${count} × ${kind}`).join(', ');
}
