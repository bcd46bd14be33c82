import { Global, Module } from '@nestjs/common';
import { Metrics } from './metrics';
import { StoredWork } from './stored-work.repository';

/** One registry per process; the listener starts only with METRICS_PORT (see metrics-server.ts). */
@Global()
@Module({ providers: [Metrics, StoredWork], exports: [Metrics] })
export class MetricsModule {}
