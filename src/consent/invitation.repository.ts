import { Injectable } from '@nestjs/common';
import { DataSource, In, IsNull, type Repository } from 'typeorm';
import type { Transaction } from '../database/transactions';
import { Enrollment } from '../patients/enrollment.entity';
import { Invitation } from './invitation.entity';

/**
 * The `invitations` table's one owner: single-use consent links, kept as
 * hashes. Methods that take a `Transaction` run inside the caller's.
 */
@Injectable()
export class InvitationRepository {
  constructor(private readonly dataSource: DataSource) {}

  private rows(transaction?: Transaction): Repository<Invitation> {
    return (transaction ?? this.dataSource.manager).getRepository(Invitation);
  }

  create(invitation: Omit<Invitation, 'id'>, transaction: Transaction): Promise<Invitation> {
    return this.rows(transaction).save(invitation);
  }

  byId(id: number, transaction?: Transaction): Promise<Invitation | null> {
    return this.rows(transaction).findOneBy({ id });
  }

  byTokenHash(tokenHash: string, transaction?: Transaction): Promise<Invitation | null> {
    return this.rows(transaction).findOneBy({ tokenHash });
  }

  /** The ids of every invitation an enrollment was sent. */
  async idsOfEnrollment(enrollmentId: number, transaction: Transaction): Promise<number[]> {
    const rows = await this.rows(transaction).find({
      select: { id: true },
      where: { enrollmentId },
    });
    return rows.map((row) => row.id);
  }

  /** Revokes every open (unused, unrevoked) invitation of an enrollment; returns how many. */
  async revokeOpen(enrollmentId: number, at: Date, transaction: Transaction): Promise<number> {
    const result = await this.rows(transaction).update(
      { enrollmentId, usedAt: IsNull(), revokedAt: IsNull() },
      { revokedAt: at },
    );
    return result.affected ?? 0;
  }

  async markUsed(id: number, at: Date, transaction: Transaction): Promise<void> {
    await this.rows(transaction).update({ id }, { usedAt: at });
  }

  /** Each enrolled patient's latest invitation, by pid. */
  async latestByPatient(): Promise<Map<number, Invitation>> {
    const rows = await this.rows()
      .createQueryBuilder('i')
      .innerJoin(Enrollment, 'e', 'e.id = i.enrollmentId')
      .select('e.pid', 'pid')
      .addSelect('i.id', 'id')
      .where('i.id IN (SELECT MAX(x.id) FROM invitations x GROUP BY x.enrollment_id)')
      .getRawMany<{ pid: number | string; id: number }>();
    if (rows.length === 0) return new Map();
    const invitations = await this.rows().findBy({ id: In(rows.map((r) => r.id)) });
    const byId = new Map(invitations.map((i) => [i.id, i]));
    const latest = new Map<number, Invitation>();
    for (const row of rows) {
      const invitation = byId.get(Number(row.id));
      if (invitation !== undefined) latest.set(Number(row.pid), invitation);
    }
    return latest;
  }
}
