import { Global, Module } from '@nestjs/common';
import { DailyAggregates } from './daily-aggregates.repository';

@Global()
@Module({ providers: [DailyAggregates], exports: [DailyAggregates] })
export class AggregatesModule {}
