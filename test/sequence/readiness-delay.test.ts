// The adaptive readiness delay, against arrivals fed by real timers: it ends on a silence that
// the rate before the trigger makes evidence, never before the trigger's own silence, and at max.
import { describe, expect, it } from 'vitest';
import { Arrivals } from '../../src/http/arrivals.js';
import { createLog } from '../../src/report/log.js';
import { readinessDelay } from '../../src/sequence/readiness-delay.js';

const log = createLog(false);

/** Notes a request every `every` ms until `stop()`. */
function traffic(arrivals: Arrivals, every: number): { stop: () => void } {
  const timer = setInterval(() => arrivals.note({}), every);
  return { stop: () => clearInterval(timer) };
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('readinessDelay { max, min? }', () => {
  it('a busy service: ends soon after the requests stop, not at max', async () => {
    const arrivals = new Arrivals();
    const load = traffic(arrivals, 2);
    await sleep(300);
    const triggeredAt = performance.now();
    // The load balancer goes on sending for 150 ms after the trigger, then stops.
    setTimeout(() => load.stop(), 150);
    const report = await readinessDelay({ max: 5_000 }, triggeredAt, arrivals, new AbortController().signal, log);
    expect(report!.endedBy).toBe('quiet');
    expect(report!.requests).toBeGreaterThan(20);
    // A silence of 100 ms at the least after the last request; far from max.
    expect(report!.duration).toBeGreaterThanOrEqual(arrivals.last() - triggeredAt + 100);
    expect(report!.duration).toBeLessThan(2_000);
  });

  it('requests that go on keep it going until max', async () => {
    const arrivals = new Arrivals();
    const load = traffic(arrivals, 5);
    await sleep(100);
    try {
      const report = await readinessDelay({ max: 600 }, performance.now(), arrivals, new AbortController().signal, log);
      expect(report!.endedBy).toBe('max');
      expect(report!.duration).toBeGreaterThanOrEqual(600);
    } finally {
      load.stop();
    }
  });

  it('no rate before the trigger is no evidence: it waits until max', async () => {
    const report = await readinessDelay({ max: 400 }, performance.now(), new Arrivals(), new AbortController().signal, log);
    expect(report!.endedBy).toBe('max');
    expect(report!.duration).toBeGreaterThanOrEqual(400);
  });

  it("not before min; the readiness handler's probes do not count; a second signal ends it at once", async () => {
    const arrivals = new Arrivals();
    const load = traffic(arrivals, 2);
    await sleep(200);
    load.stop();
    const probes = setInterval(() => {
      const probe = {};
      arrivals.note(probe);
      arrivals.unnote(probe);
    }, 10);
    try {
      const report = await readinessDelay({ max: 5_000, min: 700 }, performance.now(), arrivals, new AbortController().signal, log);
      expect(report!.endedBy).toBe('quiet');
      expect(report!.duration).toBeGreaterThanOrEqual(700);
      expect(report!.requests).toBe(0);
      const forced = new AbortController();
      setTimeout(() => forced.abort(), 50);
      const cut = await readinessDelay({ max: 5_000, min: 2_000 }, performance.now(), arrivals, forced.signal, log);
      expect(cut!.endedBy).toBe('signal');
      expect(cut!.duration).toBeLessThan(1_000);
    } finally {
      clearInterval(probes);
    }
  });
});
