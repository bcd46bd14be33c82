import { Global, Module, OnModuleInit } from '@nestjs/common';
import { DatabaseProbe } from '../database/database-probe';
import { HealthController } from './health.controller';
import { Readiness } from './readiness';

@Global()
@Module({ providers: [Readiness], controllers: [HealthController], exports: [Readiness] })
export class HealthModule implements OnModuleInit {
  constructor(
    private readonly readiness: Readiness,
    private readonly database: DatabaseProbe,
  ) {}

  onModuleInit(): void {
    this.readiness.register('database', async () => {
      await this.database.ping();
      return { ok: true };
    });
  }
}
