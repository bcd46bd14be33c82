import { BeforeApplicationShutdown, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { SchedulerRegistry } from '@nestjs/schedule';
import { Environment } from '../config/environment';
import { WEARABLE_CONNECTED } from '../events/contracts';
import { InFlightWork } from '../lifecycle/in-flight-work';
import { JsonLogger } from '../logging/json-logger';
import { SyncOutcome, SyncRunner } from './sync-runner';
import { SyncClaim, SyncStateRepository } from './sync-state.repository';

const CONTEXT = 'Ingest';
const TICK = 'ingest.tick';

/**
 * The worker side of ingestion. A tick every SYNC_TICK_SECONDS only claims due
 * connections (up to SYNC_CONCURRENCY at once) and keeps claiming as syncs
 * finish until nothing is due. Syncs run through InFlightWork, so shutdown
 * waits for them (bounded); leases still held after that are released. The
 * claims come from the sync queue (`sync_states`, a LeasedQueue).
 */
@Injectable()
export class SyncScheduler implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly running = new Map<number, { claim: SyncClaim; sync: Promise<unknown> }>();
  private pumping: Promise<void> | null = null;
  private again = false;

  constructor(
    private readonly env: Environment,
    private readonly states: SyncStateRepository,
    private readonly runner: SyncRunner,
    private readonly work: InFlightWork,
    private readonly registry: SchedulerRegistry,
    private readonly logger: JsonLogger,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.env.runsWorkers) return;
    this.registry.addInterval(
      TICK,
      setInterval(() => this.tick(), this.env.SYNC_TICK_SECONDS * 1000),
    );
    this.tick();
  }

  /** A new connection gets its backfill now rather than at the next tick. */
  @OnEvent(WEARABLE_CONNECTED)
  onConnected(): void {
    this.tick();
  }

  /** Starts claiming unless a claim loop is already running (it will look again). */
  tick(): void {
    if (!this.env.runsWorkers || !this.work.isAccepting) return;
    if (this.pumping) {
      this.again = true;
      return;
    }
    this.pumping = this.pump()
      .catch((error: unknown) =>
        this.logger.error(
          `Claiming syncs failed: ${error instanceof Error ? error.message : 'unknown error'}`,
          CONTEXT,
        ),
      )
      .finally(() => {
        this.pumping = null;
        if (this.again) {
          this.again = false;
          this.tick();
        }
      });
  }

  /** Resolves when no sync is due or running (tests and the benchmark wait on it). */
  async idle(): Promise<void> {
    while (this.pumping || this.running.size > 0) {
      await (this.pumping ?? Promise.allSettled([...this.running.values()].map((r) => r.sync)));
    }
  }

  private async pump(): Promise<void> {
    for (;;) {
      this.again = false;
      if (!this.work.isAccepting) return;
      const free = this.env.SYNC_CONCURRENCY - this.running.size;
      const claims = free > 0 ? await this.states.claimDue(new Date(), free) : [];
      for (const claim of claims) this.start(claim);
      if (claims.length === 0 && this.running.size === 0) return;
      if (claims.length < free || free <= 0) {
        if (this.running.size === 0) continue;
        await Promise.race([...this.running.values()].map((r) => r.sync));
      }
    }
  }

  private start(claim: SyncClaim): void {
    const sync = this.work
      .run(() => this.runner.run(claim))
      .then(async (outcome: SyncOutcome | undefined) => {
        if (outcome === undefined) await this.states.release([claim], new Date());
      })
      .catch((error: unknown) =>
        this.logger.error(
          `Sync of connection ${claim.connectionId} crashed: ${error instanceof Error ? error.message : 'unknown error'}`,
          CONTEXT,
        ),
      )
      .finally(() => this.running.delete(claim.connectionId));
    this.running.set(claim.connectionId, { claim, sync });
  }

  /** After the bounded drain: leases of syncs still running go back, so another process takes them now. */
  async beforeApplicationShutdown(): Promise<void> {
    if (this.registry.doesExist('interval', TICK)) this.registry.deleteInterval(TICK);
    const unfinished = [...this.running.values()].map((r) => r.claim);
    if (unfinished.length === 0) return;
    await this.states.release(unfinished, new Date()).catch(() => undefined);
    this.logger.warn(`Released ${unfinished.length} unfinished sync lease(s)`, CONTEXT);
  }
}
