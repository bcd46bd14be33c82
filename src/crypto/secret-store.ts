import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager, Not } from 'typeorm';
import { Environment } from '../config/environment';
import { KeyRing } from './key-ring';
import { StoredSecret } from './stored-secret.entity';
import { inTransaction } from '../database/transactions';

/**
 * Keeps secrets sealed in `stored_secrets`. Callers pass their transaction's
 * entity manager so a secret and the row that points at it commit together.
 */
@Injectable()
export class SecretStore {
  readonly keyRing: KeyRing;

  constructor(
    private readonly dataSource: DataSource,
    env: Environment,
  ) {
    this.keyRing = KeyRing.parse(env.ENCRYPTION_KEYS);
  }

  async save(
    purpose: string,
    plaintext: string,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<number> {
    const now = new Date();
    const sealed = this.keyRing.seal(plaintext);
    const row = await manager.getRepository(StoredSecret).save({
      purpose,
      keyId: this.keyRing.currentKeyId,
      ciphertext: sealed,
      createdAt: now,
      updatedAt: now,
    });
    return row.id;
  }

  async read(id: number, manager: EntityManager = this.dataSource.manager): Promise<string> {
    const row = await manager.getRepository(StoredSecret).findOneBy({ id });
    if (!row) throw new Error(`Stored secret ${id} does not exist`);
    return this.keyRing.open(row.ciphertext);
  }

  /** The id of the newest secret kept for `purpose`; null when none is. */
  async latestOf(purpose: string): Promise<number | null> {
    const row = await this.dataSource
      .getRepository(StoredSecret)
      .findOne({ where: { purpose }, order: { id: 'DESC' } });
    return row?.id ?? null;
  }

  async replace(
    id: number,
    plaintext: string,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<void> {
    await manager.getRepository(StoredSecret).update(
      { id },
      {
        ciphertext: this.keyRing.seal(plaintext),
        keyId: this.keyRing.currentKeyId,
        updatedAt: new Date(),
      },
    );
  }

  async erase(id: number, manager: EntityManager = this.dataSource.manager): Promise<void> {
    await manager.getRepository(StoredSecret).delete({ id });
  }

  /**
   * Re-seals every secret not yet under the current key, in small batches so a
   * large table never holds a long transaction. Safe to interrupt and re-run.
   */
  async rotateAll(batchSize = 200): Promise<{ resealed: number; total: number }> {
    const repo = this.dataSource.getRepository(StoredSecret);
    let resealed = 0;
    for (;;) {
      const stale = await repo.find({
        where: { keyId: Not(this.keyRing.currentKeyId) },
        order: { id: 'ASC' },
        take: batchSize,
      });
      if (stale.length === 0) break;
      await inTransaction(this.dataSource, async (manager) => {
        for (const row of stale) {
          await manager.getRepository(StoredSecret).update(
            { id: row.id },
            {
              ciphertext: this.keyRing.reseal(row.ciphertext),
              keyId: this.keyRing.currentKeyId,
              updatedAt: new Date(),
            },
          );
        }
      });
      resealed += stale.length;
    }
    return { resealed, total: await repo.count() };
  }
}
