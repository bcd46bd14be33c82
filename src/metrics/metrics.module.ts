import { Global, Module, OnModuleInit } from '@nestjs/common';
import { Readiness } from '../health/readiness';
import { Metrics } from './metrics';
import { StoredWork } from './stored-work.repository';

/** One registry per process; the listener starts only with METRICS_PORT (see metrics-server.ts). */
@Global()
@Module({ providers: [Metrics, StoredWork], exports: [Metrics] })
export class MetricsModule implements OnModuleInit {
  constructor(
    private readonly readiness: Readiness,
    private readonly storedWork: StoredWork,
  ) {}

  onModuleInit(): void {
    // Reported, never failing: parked work needs a person, not a restart.
    this.readiness.register('work', async () => ({
      ok: true,
      detail: { failed: await this.storedWork.failed() },
    }));
  }
}
