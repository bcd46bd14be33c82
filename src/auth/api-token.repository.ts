import { Injectable } from '@nestjs/common';
import { DataSource, IsNull, type Repository } from 'typeorm';
import type { Transaction } from '../database/transactions';
import { ApiToken } from './api-token.entity';

/** The `api_tokens` table's one owner: staff API tokens, kept as hashes. */
@Injectable()
export class ApiTokenRepository {
  constructor(private readonly dataSource: DataSource) {}

  private rows(transaction?: Transaction): Repository<ApiToken> {
    return (transaction ?? this.dataSource.manager).getRepository(ApiToken);
  }

  create(token: Omit<ApiToken, 'id'>, transaction: Transaction): Promise<ApiToken> {
    return this.rows(transaction).save(token);
  }

  /** The unrevoked token with this hash. */
  liveByHash(tokenHash: string): Promise<ApiToken | null> {
    return this.rows().findOneBy({ tokenHash, revokedAt: IsNull() });
  }

  /** The unrevoked token with this id, or with this printed prefix. */
  liveByIdOrPrefix(which: { id: number } | { prefix: string }): Promise<ApiToken | null> {
    return this.rows().findOneBy(
      'id' in which
        ? { id: which.id, revokedAt: IsNull() }
        : { tokenPrefix: which.prefix, revokedAt: IsNull() },
    );
  }

  async markUsed(id: number, at: Date): Promise<void> {
    await this.rows().update({ id }, { lastUsedAt: at });
  }

  async markRevoked(id: number, at: Date, transaction: Transaction): Promise<void> {
    await this.rows(transaction).update({ id }, { revokedAt: at });
  }

  list(): Promise<ApiToken[]> {
    return this.rows().find({ order: { id: 'ASC' } });
  }
}
