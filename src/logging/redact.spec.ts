import { healthData, redact, redactText, redactUrl } from './redact';
import { JsonLogger } from './json-logger';

describe('redaction', () => {
  it('masks secret keys at any depth and keeps the rest', () => {
    expect(
      redact({
        headers: { authorization: 'Bearer abc.def', 'x-request-id': 'r1', cookie: 'sid=1' },
        body: { refresh_token: 'x', nested: { clientSecret: 'y', pid: 7 } },
      }),
    ).toEqual({
      headers: { authorization: '[redacted]', 'x-request-id': 'r1', cookie: '[redacted]' },
      body: { refresh_token: '[redacted]', nested: { clientSecret: '[redacted]', pid: 7 } },
    });
  });

  it('masks token-shaped values under innocent keys', () => {
    const text = redactText(
      'failed with Bearer ya29.a0AfB_byC and vgl_abcdefghijklmnop and eyJhbGciOi.eyJzdWIi.sig',
    );
    expect(text).toBe('failed with [redacted] and [redacted] and [redacted]');
  });

  it('never prints values marked as health data', () => {
    expect(JSON.stringify(redact({ restingHr: healthData(72) }))).toBe(
      '{"restingHr":"[health data]"}',
    );
    expect(`${healthData(72)}`).toBe('[health data]');
  });

  it('drops query strings and masks token-like path segments', () => {
    expect(redactUrl('/oauth/google/callback?code=4/0Ab&state=xyz')).toBe('/oauth/google/callback');
    expect(redactUrl('/connect/Q2hhbmdlTWVQbGVhc2VUb2tlbg')).toBe('/connect/[redacted]');
    expect(redactUrl('/connect/AI%2B8cCkyBpBEjx7GKClBd9b8CkxDpbCMPOD9AFh9D4fn')).toBe(
      '/connect/[redacted]',
    );
    expect(redactUrl('/api/v1/patients/42')).toBe('/api/v1/patients/42');
  });
});

describe('JsonLogger', () => {
  const capture = (): { lines: string[]; logger: JsonLogger } => {
    const lines: string[] = [];
    return { lines, logger: new JsonLogger('info', (l) => lines.push(l), 'test') };
  };

  it('writes one JSON object per line with level and context', () => {
    const { lines, logger } = capture();
    logger.log('started', 'Bootstrap');
    expect(JSON.parse(lines[0])).toMatchObject({
      level: 'info',
      msg: 'started',
      context: 'Bootstrap',
    });
  });

  it('honours the level', () => {
    const { lines, logger } = capture();
    logger.debug('noise');
    logger.warn('careful');
    expect(lines.map((l) => JSON.parse(l).level)).toEqual(['warn']);
  });

  it('redacts errors, their stacks and extra fields', () => {
    const { lines, logger } = capture();
    logger.error(new Error('token vgl_secretsecretsecret rejected'), { accessToken: 'ya29.zzz' });
    expect(lines[0]).not.toContain('vgl_secretsecretsecret');
    expect(lines[0]).not.toContain('ya29.zzz');
    expect(JSON.parse(lines[0]).accessToken).toBe('[redacted]');
  });
});
