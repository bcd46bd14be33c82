import { DynamicModule, Module } from '@nestjs/common';
import { EventEmitterModule } from '@nestjs/event-emitter';
import { ScheduleModule } from '@nestjs/schedule';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AggregatesModule } from './aggregates/aggregates.module';
import { AuditModule } from './audit/audit.module';
import { AuthModule } from './auth/auth.module';
import { BacktestModule } from './backtest/backtest.module';
import { RuleQualityModule } from './rule-quality/rule-quality.module';
import { OpenEmrSignInModule } from './auth/openemr-sign-in/openemr-sign-in.module';
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
import { WebModule } from './web/web.module';
import { InboxModule } from './web/inbox/inbox.module';
import { EnrollmentsPageModule } from './web/enrollments/enrollments-page.module';
import { PatientPageModule } from './web/patient/patient-page.module';
import { RuleEditorModule } from './web/rule-editor/rule-editor.module';
import { RuleQualityPageModule } from './web/rule-quality/rule-quality-page.module';

@Module({})
export class AppModule {
  static forEnvironment(env: Environment, logger: JsonLogger): DynamicModule {
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
        OpenEmrSignInModule,
        HealthModule,
        OpenEmrModule,
        AlertStepsModule,
        AlertsModule,
        DeliveryModule,
        AggregatesModule,
        PatientsModule,
        RulesModule,
        BacktestModule,
        RuleQualityModule,
        WearablesModule,
        ConsentModule,
        IngestModule,
        WebModule,
        InboxModule,
        EnrollmentsPageModule,
        PatientPageModule,
        RuleEditorModule,
        RuleQualityPageModule,
      ],
    };
  }
}
