import { JsonLogger } from '../logging/json-logger';
import { Module, OnModuleInit } from '@nestjs/common';
import { AlertsModule } from '../alerts/alerts.module';
import { Environment } from '../config/environment';
import { SecretStore } from '../crypto/secret-store';
import { Readiness } from '../health/readiness';
import { OpenEmrApiClient } from '../openemr/api/openemr-api-client';
import { OpenEmrApiVault } from '../openemr/api/openemr-api-credentials';
import { OpenEmrDatabase } from '../openemr/openemr-database';
import { OpenEmrModule } from '../openemr/openemr.module';
import { AcknowledgementPoller } from './acknowledgements';
import { ApiSink } from './api-sink';
import { DatabaseSink } from './database-sink';
import { AlertDeliveries } from './delivery-status';
import { DeliveryScheduler } from './delivery-scheduler';
import { Dispatcher } from './dispatcher';
import { Escalations } from './escalation';
import { OPENEMR_SINK, type OpenEmrSink } from './openemr-sink';
import { OutboxModule } from './outbox.module';
import { OutboxRepository } from './outbox.repository';

function openEmrSink(
  env: Environment,
  db: OpenEmrDatabase,
  secrets: SecretStore,
  logger: JsonLogger,
): OpenEmrSink | null {
  if (env.openEmrMode === 'database') {
    return new DatabaseSink(db, {
      serviceUsername: env.OPENEMR_SERVICE_USERNAME,
      noteType: env.OPENEMR_NOTE_TYPE,
      timeZone: env.CLINIC_TIME_ZONE,
      logger: logger.forContext('DatabaseSink'),
    });
  }
  if (env.openEmrMode === 'api') {
    const vault = new OpenEmrApiVault(secrets);
    return new ApiSink(new OpenEmrApiClient(env.OPENEMR_API_BASE_URL!, vault), {
      serviceUsername: env.OPENEMR_SERVICE_USERNAME,
      noteType: env.OPENEMR_NOTE_TYPE,
    });
  }
  return null;
}

/** The outbox, its dispatcher, the OpenEMR sinks, acknowledgements from OpenEMR, and email. */
@Module({
  imports: [AlertsModule, OpenEmrModule, OutboxModule],
  providers: [
    {
      provide: OPENEMR_SINK,
      useFactory: openEmrSink,
      inject: [Environment, OpenEmrDatabase, SecretStore, JsonLogger],
    },
    Dispatcher,
    AcknowledgementPoller,
    Escalations,
    DeliveryScheduler,
    AlertDeliveries,
  ],
  exports: [Dispatcher, AcknowledgementPoller, Escalations, OutboxModule, AlertDeliveries],
})
export class DeliveryModule implements OnModuleInit {
  constructor(
    private readonly readiness: Readiness,
    private readonly outbox: OutboxRepository,
  ) {}

  onModuleInit(): void {
    // Reported, never failing: OpenEMR being down must not take Vigil out of rotation.
    this.readiness.register('delivery', async () => {
      const { pending, oldest } = await this.outbox.backlog();
      const oldestSeconds =
        oldest === null ? null : Math.max(0, Math.round((Date.now() - oldest.getTime()) / 1000));
      return {
        ok: true,
        detail: {
          backlog: pending,
          oldestUndeliveredSeconds: oldestSeconds,
          // Parked after their last attempt: someone must look (the inbox page shows each).
          failed: await this.outbox.parked(),
        },
      };
    });
  }
}
