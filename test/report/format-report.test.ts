import { describe, expect, it } from 'vitest';
import { formatReport } from '../../src/index.js';
import { testCoordinator } from '../helpers/coordinator.js';

describe('formatReport', () => {
  it('prints the run as a timing tree, one line per phase and hook', async () => {
    const coordinator = testCoordinator();
    coordinator.register({ name: 'consumer', phase: 'stop-intake', run: () => {} });
    coordinator.register({ name: 'pool', phase: 'close-clients', run: () => Promise.reject(new Error('refused')) });
    const text = formatReport(await coordinator.shutdown({ reason: 'deploy' }));
    // Durations vary in width, and the column is right-aligned: normalise both.
    const lines = text.split('\n').map((line) => line.replace(/ +\d+ ms$/, '  N ms').replace(/\d+ ms/g, 'N ms'));

    expect(lines).toEqual([
      'shutdown by shutdown() call (deploy): failed, exit code 1,  N ms',
      '├─ stop-intake         ok  N ms',
      '│  └─ consumer         ok  N ms',
      '├─ stop-scheduler      ok  N ms',
      '├─ close-http          ok  N ms',
      '├─ drain               ok  N ms',
      '│  └─ in-flight tasks  ok  N ms',
      '├─ close-clients       failed  N ms',
      '│  └─ pool             error  N ms',
      '└─ exit                ok  N ms',
    ]);
  });
});
