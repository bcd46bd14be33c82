import { Injectable } from '@nestjs/common';
import { DataSource, In, IsNull, LessThan, type Repository } from 'typeorm';
import type { Transaction } from '../database/transactions';
import { OAuthAttempt } from './oauth-attempt.entity';

/**
 * The `oauth_attempts` table's one owner: consent round trips to Google under
 * way, each with its state and browser hashes and sealed PKCE verifier.
 * Methods that take a `Transaction` run inside the caller's.
 */
@Injectable()
export class OAuthAttemptRepository {
  constructor(private readonly dataSource: DataSource) {}

  private rows(transaction?: Transaction): Repository<OAuthAttempt> {
    return (transaction ?? this.dataSource.manager).getRepository(OAuthAttempt);
  }

  create(attempt: Omit<OAuthAttempt, 'id'>, transaction: Transaction): Promise<OAuthAttempt> {
    return this.rows(transaction).save(attempt);
  }

  byStateHash(stateHash: string): Promise<OAuthAttempt | null> {
    return this.rows().findOneBy({ stateHash });
  }

  /** Unfinished attempts of this invitation, or anyone's that expired before `now`; at most `limit`. */
  unfinished(
    invitationId: number,
    now: Date,
    limit: number,
    transaction: Transaction,
  ): Promise<OAuthAttempt[]> {
    return this.rows(transaction).find({
      where: [
        { invitationId, usedAt: IsNull() },
        { expiresAt: LessThan(now), usedAt: IsNull() },
      ],
      take: limit,
    });
  }

  /**
   * Marks the attempt used and forgets its verifier's secret id, once: false
   * when it was already used (a concurrent replay lost).
   */
  async markUsed(id: number, at: Date, transaction: Transaction): Promise<boolean> {
    const result = await this.rows(transaction).update(
      { id, usedAt: IsNull() },
      { usedAt: at, verifierSecretId: null },
    );
    return result.affected === 1;
  }

  async deleteOfInvitations(
    invitationIds: readonly number[],
    transaction: Transaction,
  ): Promise<void> {
    if (invitationIds.length === 0) return;
    await this.rows(transaction).delete({ invitationId: In([...invitationIds]) });
  }
}
