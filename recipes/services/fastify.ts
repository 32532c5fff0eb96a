import { setTimeout as sleep } from 'node:timers/promises';
import Fastify from 'fastify';
import { ShutdownCoordinator } from 'lastcall';

const coordinator = new ShutdownCoordinator({ readinessDelay: Number(process.env.READINESS_DELAY_MS ?? 0) });
const fastify = Fastify();

fastify.get('/ready', (request, reply) => {
  reply.hijack(); // Fastify leaves the response to us: readinessHandler writes Node's own req and res
  coordinator.readinessHandler(request.raw, reply.raw);
});
fastify.get('/orders', async () => {
  await sleep(300); // the work a request does
  return { orders: [] };
});
// Where a plugin closes what it opened (a pool, a client): Fastify runs it in fastify.close().
fastify.addHook('onClose', async () => console.log('fastify: onClose hooks ran'));

// lastcall drains the server; fastify.close() then runs the onClose hooks, after the requests are done.
coordinator.addServer(fastify.server);
coordinator.register({ name: 'fastify', phase: 'close-clients', run: () => fastify.close() });

// Fastify listens on localhost unless told otherwise: in a container, nothing outside could reach it.
await coordinator.start(() => fastify.listen({ port: Number(process.env.PORT ?? 3000), host: process.env.HOST ?? '0.0.0.0' }));
