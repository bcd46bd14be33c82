import { Injectable } from '@nestjs/common';
import { DataSource, IsNull, type Repository } from 'typeorm';
import type { Transaction } from '../database/transactions';
import { StaffSession } from './staff-session.entity';

/** The `staff_sessions` table's one owner: signed-in browsers, kept as hashes. */
@Injectable()
export class StaffSessionRepository {
  constructor(private readonly dataSource: DataSource) {}

  private rows(transaction?: Transaction): Repository<StaffSession> {
    return (transaction ?? this.dataSource.manager).getRepository(StaffSession);
  }

  async create(session: Omit<StaffSession, 'id'>, transaction: Transaction): Promise<void> {
    await this.rows(transaction).insert(session);
  }

  /** The unrevoked session with this hash (it may have expired). */
  unrevokedByHash(sessionHash: string): Promise<StaffSession | null> {
    return this.rows().findOneBy({ sessionHash, revokedAt: IsNull() });
  }

  async markRevoked(id: number, at: Date): Promise<void> {
    await this.rows().update({ id }, { revokedAt: at });
  }
}
