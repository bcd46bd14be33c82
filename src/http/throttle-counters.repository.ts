import { Injectable } from '@nestjs/common';
import type { ThrottlerStorage } from '@nestjs/throttler';
import { DataSource, LessThan } from 'typeorm';
import { sha256Hex } from '../crypto/tokens';
import { inRetriedTransaction } from '../database/transactions';
import { ThrottleCounter } from './throttle-counter.entity';

const PRUNE_EVERY_MS = 60_000;

type ThrottlerStorageRecord = Awaited<ReturnType<ThrottlerStorage['increment']>>;

/**
 * Rate-limit and sign-in counters in the database, so every api process
 * counts against the same budget (per-process memory gave N processes N times
 * the limit). Each hit is an insert-if-absent and an increment read back in
 * one transaction, so concurrent requests neither lose nor share a count.
 */
@Injectable()
export class ThrottleCounters implements ThrottlerStorage {
  private lastPrune = 0;

  constructor(private readonly dataSource: DataSource) {}

  /**
   * @nestjs/throttler's storage: fixed windows of `ttl` ms; over the limit,
   * blocked until the window ends. Keys arrive hashed by the guard.
   */
  async increment(key: string, ttl: number, limit: number): Promise<ThrottlerStorageRecord> {
    const now = new Date();
    const { hits, expiresAt } = await this.hit(sha256Hex(key), now, ttl, false);
    const timeToExpire = Math.max(1, Math.ceil((expiresAt.getTime() - now.getTime()) / 1000));
    const isBlocked = hits > limit;
    return {
      totalHits: hits,
      timeToExpire,
      isBlocked,
      timeToBlockExpire: isBlocked ? timeToExpire : 0,
    };
  }

  /** Until when failed sign-ins of this (username, address) hold further attempts back. */
  async signInHeldUntil(username: string, address: string, now: Date): Promise<Date | null> {
    const row = await this.repository().findOneBy({ key: signInKey(username, address) });
    if (!row || row.expiresAt <= now || !row.blockedUntil) return null;
    return row.blockedUntil > now ? row.blockedUntil : null;
  }

  /**
   * Counts a failed sign-in and holds the next one back by `delayMs(failures)`;
   * failures are forgotten after `forgetAfterMs` without one.
   */
  async recordSignInFailure(
    username: string,
    address: string,
    now: Date,
    forgetAfterMs: number,
    delayMs: (failures: number) => number,
  ): Promise<number> {
    const key = signInKey(username, address);
    const { hits } = await this.hit(key, now, forgetAfterMs, true);
    const delay = delayMs(hits);
    await this.repository().update(
      { key },
      { blockedUntil: delay > 0 ? new Date(now.getTime() + delay) : null },
    );
    return hits;
  }

  /**
   * True the first time `digest` is seen within `retentionMs`; false for a
   * replay. The webhook de-duplicates notifications by their signed bytes.
   */
  async firstSighting(digest: string, now: Date, retentionMs: number): Promise<boolean> {
    const { hits } = await this.hit(sha256Hex(`seen:${digest}`), now, retentionMs, false);
    return hits === 1;
  }

  /** Forgets a sighting whose work failed, so the sender's retry is not taken for a replay. */
  async forgetSighting(digest: string): Promise<void> {
    await this.repository().delete({ key: sha256Hex(`seen:${digest}`) });
  }

  async clearSignInFailures(username: string, address: string): Promise<void> {
    await this.repository().delete({ key: signInKey(username, address) });
  }

  /**
   * One more hit on a counter whose window starts at its first hit and lasts
   * `windowMs` (or, `sliding`, lasts `windowMs` after the latest hit).
   */
  private async hit(
    key: string,
    now: Date,
    windowMs: number,
    sliding: boolean,
  ): Promise<{ hits: number; expiresAt: Date }> {
    const fresh = new Date(now.getTime() + windowMs);
    // The row first, on its own: inside the transaction its shared lock would deadlock the update.
    await this.repository()
      .createQueryBuilder()
      .insert()
      .values({ key, hits: 0, expiresAt: fresh, blockedUntil: null })
      .orIgnore()
      .execute();
    // Read (locked on MySQL; SQLite transactions queue) and write in one transaction, so
    // concurrent hits from any process neither lose nor share a count.
    const counted = await inRetriedTransaction(this.dataSource, async (manager) => {
      const repository = manager.getRepository(ThrottleCounter);
      const row = await repository.findOne({
        where: { key },
        ...(this.dataSource.options.type === 'mysql'
          ? { lock: { mode: 'pessimistic_write' as const } }
          : {}),
      });
      const expired = !row || row.expiresAt <= now;
      const next = {
        hits: expired ? 1 : row.hits + 1,
        expiresAt: expired || sliding ? fresh : row.expiresAt,
        ...(expired ? { blockedUntil: null } : {}),
      };
      if (row) await repository.update({ key }, next);
      else await repository.insert({ key, blockedUntil: null, ...next });
      return next;
    });
    await this.pruneNowAndThen(now);
    return counted;
  }

  private async pruneNowAndThen(now: Date): Promise<void> {
    if (now.getTime() - this.lastPrune < PRUNE_EVERY_MS) return;
    this.lastPrune = now.getTime();
    // Housekeeping only: a deadlock with concurrent hits must not fail a request; the next prune catches up.
    await this.repository()
      .delete({ expiresAt: LessThan(now) })
      .catch(() => undefined);
  }

  private repository() {
    return this.dataSource.getRepository(ThrottleCounter);
  }
}

const signInKey = (username: string, address: string): string =>
  sha256Hex(`sign-in:${username.toLowerCase()}:${address}`);
