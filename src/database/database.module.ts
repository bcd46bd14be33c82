import { Global, Module } from '@nestjs/common';
import { Transactions } from './transactions';

/** Transactions for every feature; the DataSource itself comes from TypeOrmModule.forRoot. */
@Global()
@Module({ providers: [Transactions], exports: [Transactions] })
export class DatabaseModule {}
