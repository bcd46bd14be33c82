import { chmodSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Files this process creates (SQLite database and its WAL, logs, keys, the
 * demo's files) are readable by its own user only: 0600 files, 0700 folders.
 * Called first thing by every entry point (main, cli, demo).
 */
export function keepFilesPrivate(): void {
  process.umask(0o077);
}

/**
 * Creates the data folder 0700, or brings an existing one and the files in it
 * (created by an older version, or with a looser umask) to 0700 / 0600.
 */
export function privateDataDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isFile()) chmodSync(path, 0o600);
  }
}
