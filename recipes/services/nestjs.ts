import { Controller, Get, Injectable, Module, Post, Req, Res, type OnApplicationShutdown } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { Request, Response } from 'express';
import { Pool } from 'pg';
import { ShutdownCoordinator } from 'lastcall';

const coordinator = new ShutdownCoordinator({ readinessDelay: Number(process.env.READINESS_DELAY_MS ?? 0) });
const pool = new Pool({ connectionString: process.env.DATABASE_URL });

@Injectable()
class Orders implements OnApplicationShutdown {
  // The coordinator is a provider like the pool: inject it where work must be tracked or hooks registered.
  constructor(
    private readonly pool: Pool,
    private readonly coordinator: ShutdownCoordinator,
  ) {}

  async place(): Promise<number> {
    const { rows } = await this.pool.query<{ id: number }>('INSERT INTO orders DEFAULT VALUES RETURNING id');
    // Work that outlives the request: tracked, so the drain waits for it before app.close().
    void this.coordinator.run(() => this.pool.query('UPDATE orders SET confirmed = true FROM pg_sleep(0.5) WHERE id = $1', [rows[0]!.id]), {
      name: `confirm order ${rows[0]!.id}`,
    });
    return rows[0]!.id;
  }

  // Nest calls it from app.close(), which lastcall runs after the drain and before pool.end().
  async onApplicationShutdown(): Promise<void> {
    await this.pool.query(`INSERT INTO events (name) VALUES ('orders stopped')`);
  }
}

@Controller()
class OrdersController {
  constructor(
    private readonly orders: Orders,
    private readonly coordinator: ShutdownCoordinator,
  ) {}

  @Get('ready')
  ready(@Req() req: Request, @Res() res: Response): void {
    this.coordinator.readinessHandler(req, res); // @Res(): Nest leaves the response to the handler
  }

  @Post('orders')
  async place(): Promise<{ id: number }> {
    return { id: await this.orders.place() };
  }
}

@Module({
  controllers: [OrdersController],
  providers: [Orders, { provide: ShutdownCoordinator, useValue: coordinator }, { provide: Pool, useValue: pool }],
})
class AppModule {}

// No app.enableShutdownHooks(): Nest's own signal listeners would close the app at the SIGTERM, under the requests in flight.
const app = await NestFactory.create(AppModule);
coordinator.addServer(app.getHttpServer());
// One hook, in order: the providers' shutdown hooks may still query, so the pool ends after app.close().
// As two close-clients hooks they would run at the same time, and those queries would meet an ended pool.
coordinator.register({
  name: 'nest app, then postgres pool',
  phase: 'close-clients',
  run: async () => {
    try {
      await app.close();
    } finally {
      await pool.end();
    }
  },
});

await coordinator.start(async () => {
  await pool.query('SELECT 1'); // an unreachable database fails the start-up, and the process exits 1
  await app.listen(Number(process.env.PORT ?? 3000), process.env.HOST ?? '0.0.0.0');
});
