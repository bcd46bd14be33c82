import { Injectable } from '@nestjs/common';
import { Environment } from '../config/environment';
import type { Transaction } from '../database/transactions';
import { KeyRing } from './key-ring';
import { StoredSecretRepository } from './stored-secret.repository';

/**
 * Keeps secrets sealed in `stored_secrets` (through `StoredSecretRepository`).
 * Callers pass their transaction so a secret and the row that points at it
 * commit together.
 */
@Injectable()
export class SecretStore {
  readonly keyRing: KeyRing;

  constructor(
    private readonly secrets: StoredSecretRepository,
    env: Environment,
  ) {
    this.keyRing = KeyRing.parse(env.ENCRYPTION_KEYS);
  }

  async save(purpose: string, plaintext: string, tx?: Transaction): Promise<number> {
    const now = new Date();
    return this.secrets.insert(
      {
        purpose,
        keyId: this.keyRing.currentKeyId,
        ciphertext: this.keyRing.seal(plaintext),
        createdAt: now,
        updatedAt: now,
      },
      tx,
    );
  }

  async read(id: number, tx?: Transaction): Promise<string> {
    const row = await this.secrets.byId(id, tx);
    if (!row) throw new Error(`Stored secret ${id} does not exist`);
    return this.keyRing.open(row.ciphertext);
  }

  /** The id of the newest secret kept for `purpose`; null when none is. */
  async latestOf(purpose: string): Promise<number | null> {
    return this.secrets.latestIdOf(purpose);
  }

  async replace(id: number, plaintext: string, tx?: Transaction): Promise<void> {
    await this.secrets.reseal(
      id,
      { keyId: this.keyRing.currentKeyId, ciphertext: this.keyRing.seal(plaintext) },
      new Date(),
      tx,
    );
  }

  async erase(id: number, tx?: Transaction): Promise<void> {
    await this.secrets.erase(id, tx);
  }

  /**
   * Re-seals every secret not yet under the current key, in small batches so a
   * large table never holds a long transaction. Safe to interrupt and re-run.
   */
  async rotateAll(batchSize = 200): Promise<{ resealed: number; total: number }> {
    let resealed = 0;
    for (;;) {
      const stale = await this.secrets.notSealedWith(this.keyRing.currentKeyId, batchSize);
      if (stale.length === 0) break;
      await this.secrets.resealAll(
        stale.map((row) => ({
          id: row.id,
          keyId: this.keyRing.currentKeyId,
          ciphertext: this.keyRing.reseal(row.ciphertext),
        })),
        () => new Date(),
      );
      resealed += stale.length;
    }
    return { resealed, total: await this.secrets.count() };
  }
}
