import {
  ConflictException,
  Injectable,
  NotFoundException,
  ServiceUnavailableException,
} from '@nestjs/common';
import { DataSource, In } from 'typeorm';
import { Environment } from '../config/environment';
import { inTransaction } from '../database/transactions';
import { InFlightWork } from '../lifecycle/in-flight-work';
import { Enrollment } from '../patients/enrollment.entity';
import { addDays } from '../time';
import { WearableConnection } from '../wearables/wearable-connection.entity';
import { SyncLeases } from './sync-leases';
import { SyncOutcome, SyncRunner } from './sync-runner';
import { widenReread } from './sync-plan';
import { newSyncState, SyncState } from './sync-state.entity';

/**
 * Syncs asked for out of schedule: by staff (API, CLI), run now in this
 * process; by a webhook, queued as an early scheduled sync.
 */
@Injectable()
export class SyncRequests {
  constructor(
    private readonly dataSource: DataSource,
    private readonly env: Environment,
    private readonly leases: SyncLeases,
    private readonly runner: SyncRunner,
    private readonly work: InFlightWork,
  ) {}

  /** Runs one patient's sync now and reports how it went. */
  async syncNow(pid: number): Promise<SyncOutcome> {
    const enrollment = await this.dataSource.getRepository(Enrollment).findOneBy({ pid });
    const connection = enrollment
      ? await this.dataSource
          .getRepository(WearableConnection)
          .findOneBy({ enrollmentId: enrollment.id })
      : null;
    if (!enrollment || !connection)
      throw new NotFoundException(`Patient ${pid} has no wearable connection`);
    const claim = await this.leases.claimNow(connection.id);
    if (claim === 'leased') throw new ConflictException(`A sync of patient ${pid} is running`);
    if (claim === 'not-syncable')
      throw new ConflictException(
        `Patient ${pid} is not syncing (enrollment ${enrollment.status}, or disconnected)`,
      );
    const outcome = await this.work.run(() => this.runner.run(claim));
    if (outcome === undefined) {
      await this.leases.release([connection.id]);
      throw new ServiceUnavailableException('Vigil is shutting down');
    }
    return outcome;
  }

  /**
   * A webhook said these users' `dataType` (null: not named) changed from
   * `earliest` (a UTC date): re-read that type from the day before (time
   * zones) and sync early. A running sync is not disturbed: it runs again as
   * soon as it finishes. Returns how many connections matched; unknown users
   * are ignored.
   */
  async queueEarlySync(
    healthUserId: string,
    earliest: string | null,
    dataType: string | null,
    now = new Date(),
  ): Promise<number> {
    return inTransaction(this.dataSource, async (manager) => {
      const connections = await manager.getRepository(WearableConnection).find({
        where: { healthUserId },
        select: { id: true, nextSyncAt: true, disconnectedAt: true },
      });
      const live = connections.filter((c) => c.disconnectedAt === null && c.nextSyncAt !== null);
      if (live.length === 0) return 0;
      const ids = live.map((c) => c.id);
      const states = manager.getRepository(SyncState);
      const known = new Map(
        (await states.findBy({ connectionId: In(ids) })).map((s) => [s.connectionId, s]),
      );
      const horizon = addDays(now.toISOString().slice(0, 10), -this.env.BACKFILL_DAYS);
      for (const connection of live) {
        const state = known.get(connection.id) ?? newSyncState(connection.id);
        if (earliest !== null && state.cursorDate !== null) {
          const from = addDays(earliest < horizon ? horizon : earliest, -1);
          Object.assign(state, widenReread(state, from, dataType));
        }
        const leased = state.leaseExpiresAt !== null && state.leaseExpiresAt > now;
        state.earlySyncRequested = leased;
        await states.save(state);
        if (!leased && connection.nextSyncAt !== null && connection.nextSyncAt > now)
          await manager
            .getRepository(WearableConnection)
            .update({ id: connection.id }, { nextSyncAt: now });
      }
      return live.length;
    });
  }
}
