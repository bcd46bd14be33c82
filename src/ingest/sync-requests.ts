import {
  ConflictException,
  Injectable,
  NotFoundException,
  ServiceUnavailableException,
} from '@nestjs/common';
import { Environment } from '../config/environment';
import { Transactions } from '../database/transactions';
import { InFlightWork } from '../lifecycle/in-flight-work';
import { EnrollmentRepository } from '../patients/enrollment.repository';
import { addDays } from '../time';
import { ConnectionRepository } from '../wearables/connection.repository';
import { SyncOutcome, SyncRunner } from './sync-runner';
import { widenReread } from './sync-plan';
import { SyncStateRepository } from './sync-state.repository';

/**
 * Syncs asked for out of schedule: by staff (API, CLI), run now in this
 * process; by a webhook, queued as an early scheduled sync.
 */
@Injectable()
export class SyncRequests {
  constructor(
    private readonly transactions: Transactions,
    private readonly enrollments: EnrollmentRepository,
    private readonly connections: ConnectionRepository,
    private readonly states: SyncStateRepository,
    private readonly env: Environment,
    private readonly runner: SyncRunner,
    private readonly work: InFlightWork,
  ) {}

  /** Runs one patient's sync now and reports how it went. */
  async syncNow(pid: number): Promise<SyncOutcome> {
    const enrollment = await this.enrollments.byPid(pid);
    const connection = enrollment ? await this.connections.ofEnrollment(enrollment.id) : null;
    if (!enrollment || !connection)
      throw new NotFoundException(`Patient ${pid} has no wearable connection`);
    const now = new Date();
    const claim = await this.states.claimNow(connection.id, now);
    if (claim === null && (await this.states.isLeased(connection.id, now)))
      throw new ConflictException(`A sync of patient ${pid} is running`);
    if (claim === null)
      throw new ConflictException(
        `Patient ${pid} is not syncing (enrollment ${enrollment.status}, or disconnected)`,
      );
    const outcome = await this.work.run(() => this.runner.run(claim));
    if (outcome === undefined) {
      await this.states.release([claim], new Date());
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
    return this.transactions.run(async (transaction) => {
      const connected = await this.connections.connectedOfHealthUser(healthUserId, transaction);
      // Only connections still syncing: a stopped schedule stays stopped.
      const live = (await this.states.lockOfConnections(connected, transaction)).filter(
        (state) => state.nextSyncAt !== null,
      );
      const horizon = addDays(now.toISOString().slice(0, 10), -this.env.BACKFILL_DAYS);
      for (const state of live) {
        if (earliest !== null && state.cursorDate !== null) {
          const from = addDays(earliest < horizon ? horizon : earliest, -1);
          Object.assign(state, widenReread(state, from, dataType));
        }
        await this.states.requestEarly(state, now, transaction);
      }
      return live.length;
    });
  }
}
