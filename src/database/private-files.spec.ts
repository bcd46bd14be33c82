import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { privateDataDir } from './private-files';

const mode = (path: string): number => statSync(path).mode & 0o777;

describe('privateDataDir', () => {
  it('creates the data folder 0700 and brings existing files to 0600', () => {
    const root = mkdtempSync(join(tmpdir(), 'vigil-private-'));
    try {
      const fresh = join(root, 'fresh');
      privateDataDir(fresh);
      expect(mode(fresh)).toBe(0o700);

      const old = join(root, 'old');
      mkdirSync(old, { mode: 0o755 });
      for (const name of ['vigil.sqlite', 'vigil.sqlite-wal', 'vigil.log'])
        writeFileSync(join(old, name), 'x', { mode: 0o644 });
      privateDataDir(old);
      expect(mode(old)).toBe(0o700);
      for (const name of ['vigil.sqlite', 'vigil.sqlite-wal', 'vigil.log'])
        expect([name, mode(join(old, name))]).toEqual([name, 0o600]);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
