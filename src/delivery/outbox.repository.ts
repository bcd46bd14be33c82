import { Injectable } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { DataSource, In, IsNull, MoreThan, Not, type EntityManager } from 'typeorm';
import { LeasedQueue, type QueueTable, type WorkQueue } from '../database/leased-queue';
import { Delivery, DeliveryAlert, type DeliveryKind } from './delivery.entity';
import type { NewDelivery } from './outbox';
import { OUTBOX_POLICY } from './outbox-policy';

const DELIVERY_KINDS: readonly DeliveryKind[] = [
  'routing',
  'message',
  'resolved',
  'reminder',
  'email',
];

/** 16 characters of base32: unguessable enough that two deliveries never share one. */
function newMarker(): string {
  const alphabet = 'abcdefghijkmnpqrstuvwxyz23456789';
  return Array.from(randomBytes(16), (byte) => alphabet[byte % alphabet.length]).join('');
}

/**
 * Pending rows as a leased queue (src/database/leased-queue.ts): due at
 * `next_attempt_at`, oldest first, leased through `claimed_until`, parked as
 * `failed`.
 */
const OUTBOX_QUEUE: QueueTable<Delivery> = {
  name: 'outbox',
  entity: Delivery,
  key: 'id',
  dueAt: 'nextAttemptAt',
  leasedUntil: 'claimedUntil',
  attempts: 'attempts',
  lastError: 'lastError',
  order: ['nextAttemptAt', 'id'],
  waiting: { status: 'pending' },
  recordedAt: 'createdAt',
  park: () => ({ status: 'failed' }),
  parked: { status: 'failed' },
  // The row keeps its marker: a retry finds its own earlier OpenEMR write (dispatcher.ts).
  unpark: { status: 'pending' },
};

/**
 * The outbox (`deliveries` and `delivery_alerts`), also as a work queue on
 * the one leased-queue mechanism: several Vigil processes share the work
 * without waiting on each other. Methods that run inside a caller's
 * transaction take its manager last.
 */
@Injectable()
export class OutboxRepository {
  private readonly queue: LeasedQueue<Delivery>;

  constructor(private readonly dataSource: DataSource) {
    this.queue = new LeasedQueue(dataSource, OUTBOX_QUEUE, OUTBOX_POLICY);
  }

  /** The queue's figures and parked rows, for operators, metrics and /health/ready. */
  get work(): WorkQueue {
    return this.queue;
  }

  /**
   * Adds a row inside the caller's transaction, so an alert change and the
   * deliveries that announce it commit together or not at all.
   */
  async enqueue(delivery: NewDelivery, now: Date, manager: EntityManager): Promise<Delivery> {
    const row = await manager.getRepository(Delivery).save({
      kind: delivery.kind,
      marker: newMarker(),
      dedupKey: delivery.dedupKey ?? null,
      pid: delivery.pid,
      recipient: delivery.recipient ?? null,
      recipientUserId: delivery.recipientUserId ?? null,
      payload: JSON.stringify(delivery.payload),
      status: 'pending',
      attempts: 0,
      nextAttemptAt: now,
      claimedUntil: null,
      lastError: null,
      openEmrRowId: null,
      acknowledgedAt: null,
      createdAt: now,
      deliveredAt: null,
    });
    const alertIds = [...new Set(delivery.alertIds ?? [])];
    if (alertIds.length > 0) {
      await manager
        .getRepository(DeliveryAlert)
        .insert(alertIds.map((alertId) => ({ deliveryId: row.id, alertId })));
    }
    return row;
  }

  /** Whether a row with this dedup key was ever queued (a day's digest to one address). */
  hasDedupKey(dedupKey: string, manager: EntityManager): Promise<boolean> {
    return manager.getRepository(Delivery).existsBy({ dedupKey });
  }

  /** Due rows, leased to this dispatcher for LEASE_MS; each claim counts an attempt. */
  claimDue(now: Date, limit: number): Promise<Delivery[]> {
    return this.queue.claimDue(now, limit);
  }

  /**
   * Extends the lease on a row this dispatcher still holds (`claimedUntil` as
   * it last wrote it) to a minute from `now`; false when the row is no longer
   * pending or another dispatcher claimed it after our lease ran out.
   */
  renew(row: Delivery, now: Date): Promise<boolean> {
    return this.queue.renew(row, now);
  }

  /** Marks a row done inside the caller's transaction (with its audit and follow-up rows). */
  async markDelivered(
    row: Delivery,
    now: Date,
    openEmrRowId: number | null,
    manager: EntityManager,
  ): Promise<void> {
    await manager.getRepository(Delivery).update(
      { id: row.id },
      {
        status: 'delivered',
        deliveredAt: now,
        openEmrRowId,
        claimedUntil: null,
        lastError: null,
      },
    );
  }

  async markRerouted(row: Delivery, reason: string, manager: EntityManager): Promise<void> {
    await manager
      .getRepository(Delivery)
      .update(
        { id: row.id },
        { status: 'rerouted', claimedUntil: null, lastError: reason.slice(0, 500) },
      );
  }

  /**
   * A routing row none of whose notices may go out (their alerts are
   * inhibited: see withheld-notice.ts), closed in the caller's transaction
   * with the alerts it gives back; never retried.
   */
  async markWithheld(
    row: Delivery,
    now: Date,
    reason: string,
    manager: EntityManager,
  ): Promise<void> {
    await manager.getRepository(Delivery).update(
      { id: row.id },
      {
        status: 'withheld',
        deliveredAt: now,
        claimedUntil: null,
        lastError: reason.slice(0, 500),
      },
    );
  }

  /**
   * Schedules the next attempt, or parks the row as `failed` after MAX_ATTEMPTS
   * (or at once with `park`); true when parked. A row whose lease lapsed is
   * left to the dispatcher that claimed it since. `reason` must be words
   * without health values or secrets.
   */
  async markFailed(row: Delivery, now: Date, reason: string, park = false): Promise<boolean> {
    return (await this.queue.fail(row, now, reason, park)) === 'parked';
  }

  /** Rows parked as failed: for /health/ready. */
  async parked(): Promise<number> {
    return this.dataSource.getRepository(Delivery).countBy({ status: 'failed' });
  }

  /** How many rows wait, and since when the oldest has: for /health/ready. */
  async backlog(): Promise<{ pending: number; oldest: Date | null }> {
    const row = await this.dataSource
      .getRepository(Delivery)
      .createQueryBuilder('d')
      .select('COUNT(*)', 'pending')
      .addSelect('MIN(d.createdAt)', 'oldest')
      .where('d.status = :pending', { pending: 'pending' })
      .getRawOne<{ pending: number | string; oldest: string | Date | null }>();
    const oldest = row?.oldest ?? null;
    return {
      pending: Number(row?.pending ?? 0),
      oldest: oldest === null ? null : oldest instanceof Date ? oldest : parseUtc(oldest),
    };
  }

  /** Rows still to send and rows given up on, by kind (every kind, 0 when none): for the metrics. */
  async countsByKind(): Promise<{ kind: DeliveryKind; pending: number; failed: number }[]> {
    const rows: { kind: string; status: string; count: string | number }[] = await this.dataSource
      .getRepository(Delivery)
      .createQueryBuilder('d')
      .select('d.kind', 'kind')
      .addSelect('d.status', 'status')
      .addSelect('COUNT(*)', 'count')
      .where('d.status IN (:...statuses)', { statuses: ['pending', 'failed'] })
      .groupBy('d.kind')
      .addGroupBy('d.status')
      .getRawMany();
    return DELIVERY_KINDS.map((kind) => {
      const count = (status: string): number =>
        Number(rows.find((r) => r.kind === kind && r.status === status)?.count ?? 0);
      return { kind, pending: count('pending'), failed: count('failed') };
    });
  }

  /** OpenEMR users who have (or are about to get) this alert's row of this kind. */
  async usersAddressed(alertId: string, kind: DeliveryKind): Promise<Set<number>> {
    const rows = await this.dataSource
      .getRepository(Delivery)
      .createQueryBuilder('d')
      .innerJoin(DeliveryAlert, 'da', 'da.delivery_id = d.id')
      .where('da.alert_id = :alertId', { alertId })
      .andWhere('d.kind = :kind', { kind })
      .andWhere('d.status IN (:...statuses)', { statuses: ['pending', 'delivered'] })
      .getMany();
    return new Set(rows.map((d) => Number(d.recipientUserId)));
  }

  /** Whether a routing row of this alert queued before `deliveryId` still waits. */
  async earlierRoutingWaits(deliveryId: string, alertId: string): Promise<boolean> {
    const earlier = await this.dataSource
      .getRepository(Delivery)
      .createQueryBuilder('d')
      .innerJoin(DeliveryAlert, 'da', 'da.delivery_id = d.id')
      .where('da.alert_id = :alertId', { alertId })
      .andWhere('d.kind = :kind', { kind: 'routing' })
      .andWhere('d.status = :pending', { pending: 'pending' })
      .andWhere('d.id < :id', { id: deliveryId })
      .getCount();
    return earlier > 0;
  }

  /**
   * Messages and reminders written to OpenEMR since `since` whose Done nobody
   * saw yet; oldest first. `among` narrows to these rows.
   */
  awaitingAcknowledgement(
    options: { since?: Date; among?: readonly string[]; limit?: number } = {},
  ): Promise<Delivery[]> {
    return this.dataSource.getRepository(Delivery).find({
      where: {
        ...(options.among === undefined ? {} : { id: In([...options.among]) }),
        kind: In(['message', 'reminder']),
        status: 'delivered',
        acknowledgedAt: IsNull(),
        openEmrRowId: Not(IsNull()),
        ...(options.since === undefined ? {} : { deliveredAt: MoreThan(options.since) }),
      },
      order: { id: 'ASC' },
      ...(options.limit === undefined ? {} : { take: options.limit }),
    });
  }

  async markAcknowledged(deliveryId: string, at: Date): Promise<void> {
    await this.dataSource
      .getRepository(Delivery)
      .update({ id: deliveryId }, { acknowledgedAt: at });
  }

  /** The alerts one row speaks about. */
  async alertsOf(deliveryId: string): Promise<string[]> {
    const links = await this.dataSource.getRepository(DeliveryAlert).findBy({ deliveryId });
    return links.map((link) => String(link.alertId));
  }

  /** Which rows speak about each of these alerts, as links. */
  async linksOf(alertIds: readonly string[]): Promise<{ deliveryId: string; alertId: string }[]> {
    if (alertIds.length === 0) return [];
    const links = await this.dataSource
      .getRepository(DeliveryAlert)
      .findBy({ alertId: In([...new Set(alertIds)]) });
    return links.map((l) => ({ deliveryId: String(l.deliveryId), alertId: String(l.alertId) }));
  }

  /** Rows by id, oldest first. */
  async byIds(ids: readonly string[]): Promise<Delivery[]> {
    if (ids.length === 0) return [];
    return this.dataSource.getRepository(Delivery).find({
      where: { id: In([...new Set(ids)]) },
      order: { id: 'ASC' },
    });
  }
}

/** SQLite hands back `YYYY-MM-DD HH:MM:SS.SSS` in UTC from an aggregate. */
function parseUtc(value: string): Date {
  return new Date(/[zZ]|[+-]\d\d:?\d\d$/.test(value) ? value : `${value.replace(' ', 'T')}Z`);
}
