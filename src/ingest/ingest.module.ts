import { Module } from '@nestjs/common';
import { Environment } from '../config/environment';
import { ThrottleCountersModule } from '../http/throttling.module';
import { GoogleHealthReader } from '../wearables/google-health/health-api-reader';
import { Metrics } from '../metrics/metrics';
import { WearablesModule } from '../wearables/wearables.module';
import { AccessTokenSource, ConnectionAccessTokens } from './access-tokens';
import { GoogleHealthWebhookController } from './google-health-webhook.controller';
import { RequestBudget } from '../wearables/google-health/request-budget';
import { PatientsModule } from '../patients/patients.module';
import { RulesModule } from '../rules/rules.module';
import { BlindRules } from './blind-rules';
import { RuleDataNeeds } from './rule-data-needs';
import { SyncController } from './sync.controller';
import { SyncRequests } from './sync-requests';
import { SyncRunner } from './sync-runner';
import { SyncScheduler } from './sync-scheduler';
import { SyncScheduleModule } from './sync-schedule.module';
import { WebhookKeyset } from './webhook-keyset';

/** Scheduled ingestion: the sync queue, planning, reading Google Health, storing days; webhooks. */
@Module({
  imports: [
    WearablesModule,
    PatientsModule,
    RulesModule,
    ThrottleCountersModule,
    SyncScheduleModule,
  ],
  providers: [
    { provide: AccessTokenSource, useClass: ConnectionAccessTokens },
    {
      provide: GoogleHealthReader,
      // The project budget is per process: GOOGLE_PROJECT_REQUESTS_PER_MINUTE is this process's share.
      useFactory: (env: Environment, tokens: AccessTokenSource, metrics: Metrics) => {
        const reader = new GoogleHealthReader(
          env,
          tokens,
          new RequestBudget(env.GOOGLE_PROJECT_REQUESTS_PER_MINUTE),
        );
        reader.onResponse = (response) => metrics.googleResponded(response);
        return reader;
      },
      inject: [Environment, AccessTokenSource, Metrics],
    },
    BlindRules,
    RuleDataNeeds,
    SyncRunner,
    SyncRequests,
    SyncScheduler,
    WebhookKeyset,
  ],
  controllers: [SyncController, GoogleHealthWebhookController],
  exports: [SyncRequests, SyncScheduler, BlindRules, SyncScheduleModule],
})
export class IngestModule {}
