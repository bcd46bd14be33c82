import { Injectable } from '@nestjs/common';
import { AlertStepsDue } from '../alerts/alert-steps-due.repository';
import type { QueueReading, WorkQueue } from '../database/leased-queue';
import { OutboxRepository } from '../delivery/outbox.repository';
import { PendingEvents } from '../events/pending-events.repository';
import { EvaluationsDueRepository } from '../rules/evaluations-due.repository';
import { SyncStateRepository } from '../ingest/sync-state.repository';

/** A queue name nobody answers to. */
export class UnknownQueue extends Error {
  constructor(
    readonly queue: string,
    known: readonly string[],
  ) {
    super(`There is no work queue called "${queue}"; the queues are ${known.join(', ')}.`);
  }
}

/**
 * Every queue on the one leased-queue mechanism (docs/architecture.md,
 * "Durable work"), by name, as its owning repository hands it out: figures,
 * parked items and their retry, never the claim. A queue moved onto
 * LeasedQueue joins here.
 */
@Injectable()
export class WorkQueues {
  readonly all: readonly WorkQueue[];

  constructor(
    events: PendingEvents,
    evaluations: EvaluationsDueRepository,
    steps: AlertStepsDue,
    outbox: OutboxRepository,
    syncs: SyncStateRepository,
  ) {
    this.all = [events.work, evaluations.work, steps.work, outbox.work, syncs.work];
  }

  get names(): string[] {
    return this.all.map((queue) => queue.name);
  }

  /** The queue of that name; UnknownQueue, naming it and the known ones, otherwise. */
  named(name: string): WorkQueue {
    const queue = this.all.find((q) => q.name === name);
    if (queue === undefined) throw new UnknownQueue(name, this.names);
    return queue;
  }

  /** Each queue's figures, by name. */
  async readings(now: Date): Promise<Record<string, QueueReading>> {
    const readings: Record<string, QueueReading> = {};
    for (const queue of this.all) readings[queue.name] = await queue.reading(now);
    return readings;
  }

  /** Items parked as failed, by queue: for /health/ready and the metrics. */
  async failed(): Promise<Record<string, number>> {
    const failed: Record<string, number> = {};
    for (const queue of this.all) failed[queue.name] = (await queue.parked(0)).total;
    return failed;
  }
}
