import { Module } from '@nestjs/common';
import { Environment } from '../config/environment';
import { ConnectionTokens } from './connection-tokens';
import { GoogleHealthSource } from './google-health/google-health-source';
import { WEARABLE_SOURCE } from './wearable-source';

@Module({
  providers: [
    {
      provide: WEARABLE_SOURCE,
      useFactory: (env: Environment) => new GoogleHealthSource(env),
      inject: [Environment],
    },
    ConnectionTokens,
  ],
  exports: [WEARABLE_SOURCE, ConnectionTokens],
})
export class WearablesModule {}
