import { DynamicModule, Module } from '@nestjs/common';
import { EventEmitterModule } from '@nestjs/event-emitter';
import { ScheduleModule } from '@nestjs/schedule';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AggregatesModule } from './aggregates/aggregates.module';
import { AuditModule } from './audit/audit.module';
import { AuthModule } from './auth/auth.module';
import { ConfigModule } from './config/config.module';
import { ConsentModule } from './consent/consent.module';
import { Environment } from './config/environment';
import { CryptoModule } from './crypto/crypto.module';
import { DatabaseModule } from './database/database.module';
import { dataSourceOptions } from './database/data-source-options';
import { HealthModule } from './health/health.module';
import { IngestModule } from './ingest/ingest.module';
import { LifecycleModule } from './lifecycle/lifecycle.module';
import { MailModule } from './mail/mail.module';
import { MetricsModule } from './metrics/metrics.module';
import { JsonLogger } from './logging/json-logger';
import { OpenEmrModule } from './openemr/openemr.module';
import { AlertsModule } from './alerts/alerts.module';
import { AlertStepsModule } from './alerts/alert-steps.module';
import { DeliveryModule } from './delivery/delivery.module';
import { EventsModule } from './events/events.module';
import { PatientsModule } from './patients/patients.module';
import { RulesModule } from './rules/rules.module';
import { WearablesModule } from './wearables/wearables.module';

@Module({})
export class AppModule {
  static async forEnvironment(env: Environment, logger: JsonLogger): Promise<DynamicModule> {
    // Required only where HTTP is served: a worker carries neither their wiring nor their code.
    const httpOnly = env.runsHttp ? (await import('./http-only-modules')).HTTP_ONLY_MODULES : [];
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(env, logger),
        TypeOrmModule.forRoot({ ...dataSourceOptions(env), retryAttempts: 3, retryDelay: 2000 }),
        DatabaseModule,
        EventEmitterModule.forRoot(),
        ScheduleModule.forRoot(),
        LifecycleModule,
        MetricsModule,
        EventsModule,
        CryptoModule,
        AuditModule,
        MailModule,
        AuthModule,
        HealthModule,
        OpenEmrModule,
        AlertStepsModule,
        AlertsModule,
        DeliveryModule,
        AggregatesModule,
        PatientsModule,
        RulesModule,
        WearablesModule,
        ConsentModule,
        IngestModule,
        ...httpOnly,
      ],
    };
  }
}
