import { DataSource } from 'typeorm';
import { openCliContext } from '../../src/cli/context';
import { loadEnvironment } from '../../src/config/environment';
import { KeyRing } from '../../src/crypto/key-ring';
import { SecretStore } from '../../src/crypto/secret-store';
import { StoredSecretRepository } from '../../src/crypto/stored-secret.repository';
import { StoredSecret } from '../../src/crypto/stored-secret.entity';
import { freshDatabase, testEngines } from '../support/databases';

describe.each(testEngines())('secrets at rest on %s', (engine) => {
  it('are sealed in the database and move to a new key on rotation', async () => {
    const oldKey = KeyRing.generateEntry('old');
    const db = await freshDatabase(engine, { ENCRYPTION_KEYS: oldKey });
    const before = await openCliContext({ env: db.env });
    const ids: number[] = [];
    try {
      for (let i = 0; i < 5; i++)
        ids.push(await before.secrets.save('google-oauth', `refresh-token-${i}`));
      const raw = JSON.stringify(await before.dataSource.getRepository(StoredSecret).find());
      expect(raw).not.toContain('refresh-token-');
    } finally {
      await before.close();
    }

    // The operator puts a new key first and keeps the old one for reading.
    const rotatedEnv = loadEnvironment({
      ...(db.env.DATABASE_URL
        ? { DATABASE_URL: db.env.DATABASE_URL }
        : { DATA_DIR: db.env.DATA_DIR }),
      ENCRYPTION_KEYS: `${KeyRing.generateEntry('new')},${oldKey}`,
    });
    const after = await openCliContext({ env: rotatedEnv });
    try {
      expect(await after.secrets.rotateAll(2)).toEqual({ resealed: 5, total: 5 });
      const rows = await after.dataSource.getRepository(StoredSecret).find();
      expect(new Set(rows.map((r) => r.keyId))).toEqual(new Set(['new']));
      expect(await after.secrets.read(ids[3])).toBe('refresh-token-3');
      expect(await after.secrets.rotateAll()).toEqual({ resealed: 0, total: 5 });

      // Without the new key, the rotated secrets are refused by name, not garbled.
      const oldOnly = new SecretStore(
        new StoredSecretRepository(after.dataSource as DataSource),
        loadEnvironment({ ENCRYPTION_KEYS: oldKey }),
      );
      await expect(oldOnly.read(ids[0])).rejects.toThrow(
        /key "new", which is not in ENCRYPTION_KEYS/,
      );
    } finally {
      await after.close();
      await db.drop();
    }
  });
});
