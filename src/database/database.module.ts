import { Global, Module } from '@nestjs/common';
import { DatabaseProbe } from './database-probe';
import { Transactions } from './transactions';

/** Transactions and named locks for every feature; the DataSource itself stays with repositories. */
@Global()
@Module({ providers: [Transactions, DatabaseProbe], exports: [Transactions, DatabaseProbe] })
export class DatabaseModule {}
