import { Module } from '@nestjs/common';
import { SyncSchedule } from './sync-schedule';
import { SyncStateRepository } from './sync-state.repository';

/**
 * The sync queue's table and the schedule other features ask for. Apart from
 * IngestModule, which imports wearables and patients, so that those can ask
 * it without a module cycle.
 */
@Module({
  providers: [SyncStateRepository, SyncSchedule],
  exports: [SyncStateRepository, SyncSchedule],
})
export class SyncScheduleModule {}
