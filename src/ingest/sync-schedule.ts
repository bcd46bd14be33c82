import { Injectable } from '@nestjs/common';
import type { Transaction } from '../database/transactions';
import { SyncStateRepository } from './sync-state.repository';

/**
 * Ingestion's sync schedule, as other features ask for it: consent starts a
 * connection's syncs, a pause or a disconnect stops them, views show when the
 * next one runs. The schedule lives in `sync_states` (the sync queue); no
 * other module writes it. Methods that take a `Transaction` run inside the
 * caller's, so the schedule changes with what caused it.
 */
@Injectable()
export class SyncSchedule {
  constructor(private readonly states: SyncStateRepository) {}

  /** The connection syncs now (a first backfill, or a resumed enrollment), then on its interval. */
  startNow(connectionId: number, transaction: Transaction): Promise<void> {
    return this.states.schedule(connectionId, new Date(), transaction);
  }

  /** The connection stops syncing until started again; a sync running now schedules none. */
  stop(connectionId: number, transaction: Transaction): Promise<void> {
    return this.states.unschedule(connectionId, transaction);
  }

  /** When each of these connections syncs next; null (or absent): not syncing. */
  nextSyncOf(connectionIds: readonly number[]): Promise<Map<number, Date | null>> {
    return this.states.nextSyncOf(connectionIds);
  }
}
