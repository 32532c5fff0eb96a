/** What still holds the event loop open, counted by kind: `2 × TCPSocketWrap, 1 × Timeout`. */
export function describeActiveResources(): string {
  const counts = new Map<string, number>();
  for (const kind of process.getActiveResourcesInfo()) counts.set(kind, (counts.get(kind) ?? 0) + 1);
  if (counts.size === 0) return 'nothing';
  return [...counts].map(([kind, count]) => `${count} × ${kind}`).join(', ');
}
