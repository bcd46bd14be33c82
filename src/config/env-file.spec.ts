import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyEnvFile, envFileArgument } from './env-file';

describe('applyEnvFile', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-env-'));
  writeFileSync(
    join(dir, '.env'),
    '# settings\nLOG_LEVEL=debug\nCLINIC_NAME="Hill Clinic"\nPORT=4000\n',
  );
  writeFileSync(join(dir, 'other.env'), 'PORT=5000\n');

  it('reads ./.env under the environment: a variable already set wins', () => {
    const env: NodeJS.ProcessEnv = { PORT: '3100' };
    expect(applyEnvFile(undefined, env, dir)).toBe(join(dir, '.env'));
    expect(env).toEqual({ PORT: '3100', LOG_LEVEL: 'debug', CLINIC_NAME: 'Hill Clinic' });
  });

  it('reads the file named instead of ./.env', () => {
    const env: NodeJS.ProcessEnv = {};
    applyEnvFile('other.env', env, dir);
    expect(env).toEqual({ PORT: '5000' });
  });

  it('is quiet without ./.env, and names a missing file that was asked for', () => {
    const empty = mkdtempSync(join(tmpdir(), 'vigil-env-'));
    expect(applyEnvFile(undefined, {}, empty)).toBeUndefined();
    expect(() => applyEnvFile('missing.env', {}, empty)).toThrow(
      '--env-file missing.env: no such file',
    );
  });
});

describe('envFileArgument', () => {
  it('takes --env-file PATH and --env-file=PATH, and refuses a flag without a path', () => {
    expect(envFileArgument(['--env-file', '/etc/vigil/vigil.env'])).toBe('/etc/vigil/vigil.env');
    expect(envFileArgument(['--env-file=a.env'])).toBe('a.env');
    expect(envFileArgument([])).toBeUndefined();
    expect(() => envFileArgument(['--env-file'])).toThrow('--env-file needs a path');
  });
});
