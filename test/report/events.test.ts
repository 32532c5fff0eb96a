// The events: each goes to the coordinator's listeners and to the diagnostics_channel subscribers.
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { expect, it } from 'vitest';
import { CHANNELS } from '../../src/index.js';
import { testCoordinator } from '../helpers/coordinator.js';

it('regression: a listener that threw kept the same event from the diagnostics_channel subscribers', async () => {
  const lines: string[] = [];
  const push = (line: string) => void lines.push(line);
  const coordinator = testCoordinator({ logger: { info: push, warn: push, error: push } });
  const published: string[] = [];
  const onPhase = (message: unknown) => void published.push((message as { data: { name: string } }).data.name);
  subscribe(CHANNELS.phase, onPhase);
  try {
    coordinator.on('phase', () => {
      throw new Error('a broken metrics exporter');
    });
    const report = await coordinator.shutdown();
    expect(published).toEqual(report.phases.map((phase) => phase.name));
    expect(lines.filter((line) => line.includes('a "phase" listener threw: Error: a broken metrics exporter'))).toHaveLength(6);
  } finally {
    unsubscribe(CHANNELS.phase, onPhase);
  }
});
