import type { IncomingMessage } from 'node:http';
import type { Server as NetServer } from 'node:net';

/**
 * Listens for an event only while the application does, ahead of its own listener: Node
 * handles `upgrade`, `connect`, `checkContinue` and `checkExpectation` differently as soon as any
 * listener exists, so one of ours alone would change what the application gets. Returns the
 * function that removes every listener it added.
 */
export function followListeners(server: NetServer, event: string, handler: (req: IncomingMessage, second: unknown) => void): () => void {
  const ours = (req: IncomingMessage, second: unknown): void => handler(req, second);
  let attached = false;
  const sync = (): void => {
    const theirs = server.listenerCount(event) - (attached ? 1 : 0);
    if (theirs > 0 && !attached) {
      attached = true;
      server.prependListener(event, ours);
    } else if (theirs === 0 && attached) {
      attached = false;
      server.removeListener(event, ours);
    }
  };
  const onNew = (name: string | symbol, listener: unknown): void => {
    // 'newListener' comes just before the application's listener is added: ours goes first.
    if (name !== event || listener === ours || attached) return;
    attached = true;
    server.prependListener(event, ours);
  };
  const onRemoved = (name: string | symbol, listener: unknown): void => {
    if (name !== event) return;
    // removeAllListeners(event) took ours too: put it back while the application still listens.
    if (listener === ours) attached = false;
    sync();
  };
  server.on('newListener', onNew);
  server.on('removeListener', onRemoved);
  sync();
  return () => {
    server.off('newListener', onNew);
    server.off('removeListener', onRemoved);
    if (attached) server.removeListener(event, ours);
    attached = false;
  };
}

/** Adds a listener until the function it returns is called; one the application removes is put back. */
export function keepListening(server: NetServer, event: string, listener: (...args: never[]) => void, first = false): () => void {
  const emitter = server as NetServer & { on(event: string, listener: (...args: never[]) => void): NetServer };
  const add = (): void => {
    if (first) emitter.prependListener(event, listener as (...args: unknown[]) => void);
    else emitter.on(event, listener);
  };
  // server.removeAllListeners('request') (a framework reloading its routes) must not blind the drain.
  const onRemoved = (name: string | symbol, removed: unknown): void => {
    if (name === event && removed === listener) add();
  };
  add();
  emitter.on('removeListener', onRemoved);
  return () => {
    emitter.off('removeListener', onRemoved);
    emitter.off(event, listener as (...args: unknown[]) => void);
  };
}
