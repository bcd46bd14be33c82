import { Injectable } from '@nestjs/common';
import { DataSource, IsNull, type Repository } from 'typeorm';
import type { Transaction } from '../database/transactions';
import { StaffUser } from './staff-user.entity';

/** The `staff_users` table's one owner: local (password) and OpenEMR-signed-in staff. */
@Injectable()
export class StaffUserRepository {
  constructor(private readonly dataSource: DataSource) {}

  private rows(transaction?: Transaction): Repository<StaffUser> {
    return (transaction ?? this.dataSource.manager).getRepository(StaffUser);
  }

  create(user: Omit<StaffUser, 'id'>, transaction: Transaction): Promise<StaffUser> {
    const rows = this.rows(transaction);
    return rows.save(rows.create(user));
  }

  /** An enabled local (password) account. */
  enabledLocal(username: string): Promise<StaffUser | null> {
    return this.rows().findOneBy({ username, source: 'local', disabledAt: IsNull() });
  }

  enabledById(id: number): Promise<StaffUser | null> {
    return this.rows().findOneBy({ id, disabledAt: IsNull() });
  }

  byUsername(username: string, transaction?: Transaction): Promise<StaffUser | null> {
    return this.rows(transaction).findOneBy({ username });
  }

  /** The account of the OpenEMR user with this uuid. */
  byExternalSubject(subject: string, transaction?: Transaction): Promise<StaffUser | null> {
    return this.rows(transaction).findOneBy({ externalSubject: subject });
  }

  /** Removes the account (the demo's clinician, recreated with a new password). */
  async deleteByUsername(username: string): Promise<void> {
    await this.rows().delete({ username });
  }

  async update(
    id: number,
    changes: Partial<Pick<StaffUser, 'role' | 'username' | 'externalSubject'>>,
    transaction: Transaction,
  ): Promise<void> {
    await this.rows(transaction).update({ id }, changes);
  }
}
