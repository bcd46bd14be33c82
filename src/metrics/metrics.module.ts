import { Global, Module } from '@nestjs/common';
import { AlertsModule } from '../alerts/alerts.module';
import { OutboxModule } from '../delivery/outbox.module';
import { RulesModule } from '../rules/rules.module';
import { WearablesModule } from '../wearables/wearables.module';
import { WorkModule } from '../work/work.module';
import { Metrics } from './metrics';
import { StoredWork } from './stored-work';

/** One registry per process; the listener starts only with METRICS_PORT (see metrics-server.ts). */
@Global()
@Module({
  imports: [WorkModule, WearablesModule, RulesModule, OutboxModule, AlertsModule],
  providers: [Metrics, StoredWork],
  exports: [Metrics],
})
export class MetricsModule {}
