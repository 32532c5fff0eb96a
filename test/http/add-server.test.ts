// addServer in process: idempotence, removal, a server that never listened, and what it adds to the server.
import { createServer } from 'node:http';
import { describe, expect, it } from 'vitest';
import { testCoordinator } from '../helpers/coordinator.js';

describe('addServer', () => {
  it('adding the same server twice registers one hook and returns the same remover', async () => {
    const coordinator = testCoordinator();
    const server = createServer();
    const first = coordinator.addServer(server, { name: 'api' });
    const second = coordinator.addServer(server, { name: 'again' });
    expect(second).toBe(first);
    const report = await coordinator.shutdown();
    expect(report.phases.find((phase) => phase.name === 'close-http')!.hooks.map((hook) => hook.name)).toEqual(['api']);
    expect(report.servers).toEqual([{ name: 'api', idleClosed: 0, finished: 0, destroyed: 0, upgraded: 0 }]);
  });

  it('drains a server that never listened, or was already closed, without an error', async () => {
    const coordinator = testCoordinator();
    const never = createServer();
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', () => closed.close(() => resolve())));
    coordinator.addServer(never, { name: 'never listened' });
    coordinator.addServer(closed, { name: 'already closed' });
    const report = await coordinator.shutdown();
    expect(report.outcome).toBe('clean');
    expect(report.phases.find((phase) => phase.name === 'close-http')!.hooks.map((hook) => hook.outcome)).toEqual(['ok', 'ok']);
  });

  it('the remover takes the hook out and leaves the server as it found it', async () => {
    const coordinator = testCoordinator();
    const server = createServer();
    const before = server.eventNames().map((event) => [event, server.listenerCount(event)]);
    const remove = coordinator.addServer(server);
    server.on('upgrade', () => {});
    expect(server.listenerCount('upgrade')).toBe(2);
    remove();
    expect(server.listenerCount('upgrade')).toBe(1);
    server.removeAllListeners('upgrade');
    expect(server.eventNames().map((event) => [event, server.listenerCount(event)])).toEqual(before);
    const report = await coordinator.shutdown();
    expect(report.phases.find((phase) => phase.name === 'close-http')!.hooks).toEqual([]);
    expect(report.servers).toEqual([]);
  });

  it('listens for upgrade only while the application does, ahead of it: a lone listener would change Node\'s handling', () => {
    const coordinator = testCoordinator();
    const server = createServer();
    coordinator.addServer(server);
    expect(server.listenerCount('upgrade')).toBe(0);
    const app = () => {};
    server.on('upgrade', app);
    expect(server.listeners('upgrade')).toHaveLength(2);
    expect(server.listeners('upgrade')[1]).toBe(app);
    server.off('upgrade', app);
    expect(server.listenerCount('upgrade')).toBe(0);
  });
});
