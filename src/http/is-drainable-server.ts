import { invalidType } from '../options/errors.js';
import type { DrainableServer } from './server-drain.js';

/**
 * True for the servers `addServer()` can drain: what `http`, `https` and `http2` create, told by
 * what the drain uses rather than by class, since Bun's `http.Server` is no `net.Server`. An
 * application (Express, Koa) has `listen` but no connection handling, so it is refused.
 */
export function isDrainableServer(value: unknown): value is DrainableServer {
  if (typeof value !== 'object' || value === null) return false;
  const server = value as Record<string, unknown>;
  const emits = ['on', 'off', 'prependListener', 'listenerCount', 'listen', 'close'].every((method) => typeof server[method] === 'function');
  return emits && (typeof server.closeIdleConnections === 'function' || typeof server.updateSettings === 'function');
}

/** The TypeError for anything else, with a hint where a framework keeps its server. */
export function notAServer(value: unknown): TypeError {
  const holder = value as { server?: unknown; getHttpServer?: unknown } | null | undefined;
  const hint =
    typeof holder === 'object' && holder !== null && isDrainableServer(holder.server)
      ? ' (this object has one as .server: pass that, as with fastify.server)'
      : typeof holder?.getHttpServer === 'function'
        ? ' (pass app.getHttpServer(), as with NestJS)'
        : typeof value === 'function'
          ? ' (not the app itself: Express and Koa return the server from app.listen())'
          : '';
  return invalidType('addServer(server)', `an http, https or http2 server${hint}`, value);
}
