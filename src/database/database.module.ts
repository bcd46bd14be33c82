import { Global, Module } from '@nestjs/common';
import { Transactions } from './transactions';

/** Transactions and named locks for every feature; the DataSource itself stays with repositories. */
@Global()
@Module({ providers: [Transactions], exports: [Transactions] })
export class DatabaseModule {}
