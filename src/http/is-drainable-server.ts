import { invalidType } from '../options/errors.js';
import { builtin } from '../runtime/builtin.js';
import type { DrainableServer } from './server-drain.js';

/** True for the servers `addServer()` can drain. */
export function isDrainableServer(value: unknown): value is DrainableServer {
  if (!(value instanceof builtin('node:net').Server)) return false;
  const server = value as unknown as Record<string, unknown>;
  return typeof server.closeIdleConnections === 'function' || typeof server.updateSettings === 'function';
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
