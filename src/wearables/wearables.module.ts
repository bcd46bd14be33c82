import { forwardRef, Module } from '@nestjs/common';
import { Environment } from '../config/environment';
import { SyncScheduleModule } from '../ingest/sync-schedule.module';
import { PatientsModule } from '../patients/patients.module';
import { ConnectionRepository } from './connection.repository';
import { ConnectionTokens } from './connection-tokens';
import { GoogleHealthSource } from './google-health/google-health-source';
import { WEARABLE_SOURCE } from './wearable-source';

/** Wearable accounts: the connections, their tokens, the Google Health source. */
@Module({
  imports: [forwardRef(() => PatientsModule), SyncScheduleModule],
  providers: [
    ConnectionRepository,
    {
      provide: WEARABLE_SOURCE,
      useFactory: (env: Environment) => new GoogleHealthSource(env),
      inject: [Environment],
    },
    ConnectionTokens,
  ],
  exports: [WEARABLE_SOURCE, ConnectionTokens, ConnectionRepository],
})
export class WearablesModule {}
