import { Injectable } from '@nestjs/common';
import { DataSource, Not } from 'typeorm';
import { RawColumns } from '../database/raw-columns';
import { inTransaction, type Transaction } from '../database/transactions';
import { StoredSecret } from './stored-secret.entity';

/**
 * The only code that speaks to `stored_secrets`. It moves ciphertext only:
 * sealing and opening are `SecretStore`'s, with the key ring.
 */
@Injectable()
export class StoredSecretRepository {
  /** Every column, for the read every sync makes of its token (hand-written, raw-columns.ts). */
  private readonly columns: RawColumns<StoredSecret, keyof StoredSecret & string>;

  constructor(private readonly dataSource: DataSource) {
    this.columns = RawColumns.all(dataSource, StoredSecret);
  }

  /** Inserts a sealed secret; returns its id. */
  async insert(
    row: Pick<StoredSecret, 'purpose' | 'keyId' | 'ciphertext' | 'createdAt' | 'updatedAt'>,
    tx: Transaction = this.dataSource.manager,
  ): Promise<number> {
    const saved = await tx.getRepository(StoredSecret).save({ ...row });
    return saved.id;
  }

  async byId(id: number, tx: Transaction = this.dataSource.manager): Promise<StoredSecret | null> {
    const { table, selection } = this.columns;
    const [row] = (await tx.query(
      `SELECT ${selection} FROM ${table} WHERE ${this.columns.name('id')} = ?`,
      [this.columns.value('id', id)],
    )) as Record<string, unknown>[];
    return row === undefined ? null : this.columns.entity(row);
  }

  /** The id of the newest secret kept for `purpose`; null when none is. */
  async latestIdOf(purpose: string): Promise<number | null> {
    const row = await this.dataSource
      .getRepository(StoredSecret)
      .findOne({ where: { purpose }, order: { id: 'DESC' } });
    return row?.id ?? null;
  }

  /** Replaces one secret's ciphertext and key id. */
  async reseal(
    id: number,
    sealed: { keyId: string; ciphertext: string },
    updatedAt: Date,
    tx: Transaction = this.dataSource.manager,
  ): Promise<void> {
    await tx
      .getRepository(StoredSecret)
      .update({ id }, { ciphertext: sealed.ciphertext, keyId: sealed.keyId, updatedAt });
  }

  /** Re-seals several rows in one transaction (a batch of a rotation). */
  async resealAll(
    rows: readonly { id: number; keyId: string; ciphertext: string }[],
    updatedAt: () => Date,
  ): Promise<void> {
    await inTransaction(this.dataSource, async (tx) => {
      for (const row of rows) await this.reseal(row.id, row, updatedAt(), tx);
    });
  }

  async erase(id: number, tx: Transaction = this.dataSource.manager): Promise<void> {
    await tx.getRepository(StoredSecret).delete({ id });
  }

  /** Up to `limit` secrets not sealed with `keyId`, oldest first. */
  async notSealedWith(keyId: string, limit: number): Promise<StoredSecret[]> {
    return this.dataSource.getRepository(StoredSecret).find({
      where: { keyId: Not(keyId) },
      order: { id: 'ASC' },
      take: limit,
    });
  }

  async count(): Promise<number> {
    return this.dataSource.getRepository(StoredSecret).count();
  }

  /** How many secrets each key sealed (for `vigil doctor`). */
  async countByKey(): Promise<{ keyId: string; count: number }[]> {
    const rows: { keyId: string; n: number | string }[] = await this.dataSource
      .getRepository(StoredSecret)
      .createQueryBuilder('s')
      .select('s.key_id', 'keyId')
      .addSelect('COUNT(*)', 'n')
      .groupBy('s.key_id')
      .getRawMany();
    return rows.map((r) => ({ keyId: r.keyId, count: Number(r.n) }));
  }
}
