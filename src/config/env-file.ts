import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseEnv } from 'node:util';

/**
 * Reads a KEY=VALUE file (Node's own .env parser) into `target` under the
 * environment: a variable already set there wins, so systemd's Environment=
 * and a one-off `LOG_LEVEL=debug vigil ...` still override the file. With no
 * path, `.env` in the working directory is read when it exists; a path that
 * was asked for and is missing is an error. Returns the file read, if any.
 */
export function applyEnvFile(
  path: string | undefined,
  target: NodeJS.ProcessEnv = process.env,
  cwd: string = process.cwd(),
): string | undefined {
  const file = resolve(cwd, path ?? '.env');
  if (!existsSync(file)) {
    if (path === undefined) return undefined;
    throw new Error(`--env-file ${path}: no such file`);
  }
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new Error(
      `--env-file ${path ?? '.env'}: cannot be read (${(error as NodeJS.ErrnoException).code ?? 'unknown error'})`,
    );
  }
  for (const [name, value] of Object.entries(parseEnv(text))) {
    if (target[name] === undefined) target[name] = value;
  }
  return file;
}

/** The value of `--env-file PATH` or `--env-file=PATH` in a process's arguments. */
export function envFileArgument(argv: readonly string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--env-file') {
      const value = argv[i + 1];
      if (value === undefined || value.startsWith('--'))
        throw new Error('--env-file needs a path, e.g. --env-file /etc/vigil/vigil.env');
      return value;
    }
    if (argv[i].startsWith('--env-file=')) return argv[i].slice('--env-file='.length);
  }
  return undefined;
}
