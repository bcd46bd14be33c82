import { DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AggregatesModule } from './aggregates/aggregates.module';
import { AuditModule } from './audit/audit.module';
import { AuthModule } from './auth/auth.module';
import { ConfigModule } from './config/config.module';
import { Environment } from './config/environment';
import { CryptoModule } from './crypto/crypto.module';
import { dataSourceOptions } from './database/data-source-options';
import { HealthModule } from './health/health.module';
import { LifecycleModule } from './lifecycle/lifecycle.module';
import { MailModule } from './mail/mail.module';
import { JsonLogger } from './logging/json-logger';

@Module({})
export class AppModule {
  static forEnvironment(env: Environment, logger: JsonLogger): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(env, logger),
        TypeOrmModule.forRoot({ ...dataSourceOptions(env), retryAttempts: 3, retryDelay: 2000 }),
        LifecycleModule,
        CryptoModule,
        AuditModule,
        MailModule,
        AuthModule,
        HealthModule,
        AggregatesModule,
      ],
    };
  }
}
