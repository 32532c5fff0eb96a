import { addServerOptions } from '../options/call-options.js';
import type { Wiring } from '../sequence/wiring.js';
import { isDrainableServer, notAServer } from './is-drainable-server.js';
import { ServerDrain, type DrainableServer, type ServerReport } from './server-drain.js';

/** The servers given to `addServer()`: each drained by its own `close-http` hook. */
export class ServerRegistry {
  readonly #drains = new Map<DrainableServer, { readonly drain: ServerDrain; readonly remove: () => void }>();
  readonly #wiring: Wiring;

  constructor(wiring: Wiring) {
    this.#wiring = wiring;
  }

  /** Checks the arguments, starts tracking the server's connections, registers its drain. */
  add(server: unknown, options: unknown): () => void {
    if (!isDrainableServer(server)) throw notAServer(server);
    const existing = this.#drains.get(server);
    if (existing !== undefined) return existing.remove;
    const { name, timeout, onUpgraded } = addServerOptions(options);
    const { log, register, atTrigger, arrivals } = this.#wiring;
    const drain = new ServerDrain(server, { name, onUpgraded, log, arrivals });
    const removers = [atTrigger(() => drain.endKeepAlive()), register({ name, phase: 'close-http', timeout, run: ({ signal }) => drain.drain(signal) })];
    const remove = (): void => {
      for (const each of removers) each();
      drain.detach();
      this.#drains.delete(server);
    };
    this.#drains.set(server, { drain, remove });
    return remove;
  }

  /** One entry per server still registered. */
  report(): ServerReport[] {
    return [...this.#drains.values()].map(({ drain }) => drain.report());
  }
}
