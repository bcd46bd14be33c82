import { readFileSync } from 'node:fs';
import { JsonLogger } from '../../src/logging/json-logger';
import { findSecrets } from './secret-patterns';

/** The whole-run log scan (log-scan-teardown.ts) is only as good as its capture and its patterns. */
describe('the whole-run log capture', () => {
  it('records lines from every logger, even one whose writer discards them', () => {
    const file = process.env.VIGIL_TEST_LOG_FILE ?? '';
    expect(file).not.toBe('');
    const marker = `capture-probe-${Date.now()}`;
    new JsonLogger('info', () => undefined, 'Probe').log(marker);
    new JsonLogger('info', () => undefined).forContext('Probe').warn(marker);
    const probes = readFileSync(file, 'utf8')
      .split('\n')
      .filter((line) => line.includes(marker));
    expect(probes).toHaveLength(2);
  });

  it('records lines below the logger level too (tests log at warn; the scan reads debug)', () => {
    const file = process.env.VIGIL_TEST_LOG_FILE ?? '';
    const marker = `level-probe-${Date.now()}`;
    const seen: string[] = [];
    const quiet = new JsonLogger('warn', (line) => seen.push(line), 'Probe');
    quiet.debug(marker);
    quiet.log(marker);
    expect(seen).toEqual([]); // the logger's own output still honours its level
    const probes = readFileSync(file, 'utf8')
      .split('\n')
      .filter((line) => line.includes(marker));
    expect(probes.map((line) => JSON.parse(line).level)).toEqual(['debug', 'info']);
  });

  it('recognises each kind of secret, and not the placeholders tests use', () => {
    const secrets = [
      'hVwq3bM0oZQe1L7xN9rT2yU5iP8aS4dF6gH0jK3lZ1x', // 43 base64url: link, session, CSRF
      'vgl_3kJx9QmP2rT7wZ1yB4nC6vD8',
      'ya29.sim-AbCdEf123456',
      '1//sim-0123456789abcdef',
      '4/sim-0123456789abcdef',
      'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjMifQ.c2lnbmF0dXJl',
      'Authorization: Bearer abcdefgh12345678',
      'r2Xg7Zk+Q1mN8pL0vB4cT6yH9wJ3sD5fA7eR2uI0oP8=', // a 32-byte key in base64
      'vigil-simulator-secret',
    ];
    for (const secret of secrets) expect(findSecrets(`{"msg":"x ${secret} y"}`)).not.toEqual([]);
    const innocent = [
      `GET /connect/[redacted] 404`,
      `/connect/${'A'.repeat(43)}`,
      'Bearer [redacted]',
      'a3f5c2e1b4d6a7f8c9e0d1b2a3f4c5e6d7b8a9f0e1d2c3b4a5f6e7d8c9b0a1f2', // sha256 hex
      '2026-11-28T22:39:21.000Z',
    ];
    for (const text of innocent) expect(findSecrets(text)).toEqual([]);
  });
});
