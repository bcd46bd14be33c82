import { DynamicModule, Global, Module } from '@nestjs/common';
import { Environment } from './environment';
import { JsonLogger } from '../logging/json-logger';

/** Makes the validated environment and the process logger injectable everywhere. */
@Global()
@Module({})
export class ConfigModule {
  static forRoot(env: Environment, logger: JsonLogger): DynamicModule {
    return {
      module: ConfigModule,
      providers: [
        { provide: Environment, useValue: env },
        { provide: JsonLogger, useValue: logger },
      ],
      exports: [Environment, JsonLogger],
    };
  }
}
