import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { trustProxySetting } from '../http/trust-proxy';
import { ConfigurationError, Environment, loadEnvironment } from './environment';

const KEY = `k1:${Buffer.alloc(32, 7).toString('base64')}`;

describe('loadEnvironment', () => {
  it('applies documented defaults', () => {
    const env = loadEnvironment({ ENCRYPTION_KEYS: KEY });
    expect(env).toMatchObject({ PORT: 3000, LOG_LEVEL: 'info', ROLE: 'all', DATA_DIR: './data' });
    expect(env.publicBaseUrl).toBe('http://localhost:3000');
    expect(env.DATABASE_URL).toBeUndefined();
  });

  it('reports every problem at once, each naming its variable', () => {
    let caught: unknown;
    try {
      loadEnvironment({
        PORT: 'abc',
        ENCRYPTION_KEYS: '',
        ROLE: 'boss',
        PUBLIC_BASE_URL: 'ftp://x',
      });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigurationError);
    expect((caught as ConfigurationError).problems.map((p) => p.variable)).toEqual([
      'PORT',
      'PUBLIC_BASE_URL',
      'ENCRYPTION_KEYS',
      'ROLE',
    ]);
  });

  it('reads TRUST_PROXY as none, a hop count or proxy addresses, and refuses anything else', () => {
    const base = { ENCRYPTION_KEYS: KEY };
    expect(trustProxySetting(loadEnvironment(base).TRUST_PROXY)).toBe(false);
    expect(trustProxySetting(loadEnvironment({ ...base, TRUST_PROXY: '2' }).TRUST_PROXY)).toBe(2);
    expect(
      trustProxySetting(
        loadEnvironment({ ...base, TRUST_PROXY: 'loopback, 10.1.0.0/16,::1' }).TRUST_PROXY,
      ),
    ).toEqual(['loopback', '10.1.0.0/16', '::1']);
    for (const bad of ['0', '11', 'true', '10.1.0.0/33', 'proxy.example', '10.0.0.1/8/1'])
      expect(() => loadEnvironment({ ...base, TRUST_PROXY: bad })).toThrow(/TRUST_PROXY must be/);
  });

  it('accepts MySQL URLs and rejects other databases', () => {
    expect(
      loadEnvironment({ ENCRYPTION_KEYS: KEY, DATABASE_URL: 'mysql://u:p@db:3306/vigil' })
        .DATABASE_URL,
    ).toBe('mysql://u:p@db:3306/vigil');
    expect(() =>
      loadEnvironment({ ENCRYPTION_KEYS: KEY, DATABASE_URL: 'postgres://db/vigil' }),
    ).toThrow(/DATABASE_URL must look like mysql:/);
  });

  it('knows which work a role does', () => {
    const worker = loadEnvironment({ ENCRYPTION_KEYS: KEY, ROLE: 'worker' });
    expect([worker.runsHttp, worker.runsWorkers]).toEqual([false, true]);
    const api = loadEnvironment({
      ENCRYPTION_KEYS: KEY,
      ROLE: 'api',
      PUBLIC_BASE_URL: 'https://v.example.org/',
    });
    expect([api.runsHttp, api.runsWorkers, api.publicBaseUrl]).toEqual([
      true,
      false,
      'https://v.example.org',
    ]);
  });
});

describe('.env.example', () => {
  it('documents exactly the variables the configuration class reads', () => {
    const documented = readFileSync(join(__dirname, '..', '..', '.env.example'), 'utf8')
      .split('\n')
      .filter((line) => /^[A-Z_]+=/.test(line))
      .map((line) => line.split('=')[0]);
    expect(documented.sort()).toEqual(Object.keys(new Environment()).sort());
  });
});
