import { WebhookSigner } from '../../simulator/webhooks';
import {
  parseNotification,
  parseSignatureHeader,
  parseTinkKeyset,
  secretMatches,
  webhookSecretRefusal,
  signatureValid,
} from './webhook-signature';

describe('webhook signatures', () => {
  const signer = new WebhookSigner();
  const body = Buffer.from('[{"data":{"healthUserId":"1","dataType":"steps"}}]');

  it("verifies the simulator's Tink-signed body with its published keyset", () => {
    const keys = parseTinkKeyset(signer.keyset());
    const signature = parseSignatureHeader(signer.sign(body))!;
    expect(keys.has(signature.keyId)).toBe(true);
    const key = keys.get(signature.keyId)!;
    expect(signatureValid(key, signature, body)).toBe(true);
    expect(signatureValid(key, signature, Buffer.from(body.toString().replace('1', '2')))).toBe(
      false,
    );
  });

  it('refuses headers that are not Tink signatures', () => {
    expect(parseSignatureHeader(undefined)).toBeNull();
    expect(parseSignatureHeader('not base64!')).toBeNull();
    expect(parseSignatureHeader(Buffer.from([0, 1, 2, 3, 4, 5]).toString('base64'))).toBeNull();
  });

  it('compares secrets without leaking length or position', () => {
    expect(secretMatches('s3cret-value', 's3cret-value')).toBe(true);
    expect(secretMatches('s3cret-valuf', 's3cret-value')).toBe(false);
    expect(secretMatches(undefined, 's3cret-value')).toBe(false);
  });
});

describe('parseNotification', () => {
  it('reads users, types and the earliest date from any interval encoding', () => {
    expect(
      parseNotification([
        {
          data: {
            healthUserId: 'u1',
            dataType: 'steps',
            intervals: [
              { startTime: '2026-11-20T10:00:00Z', endTime: '2026-11-21T10:00:00Z' },
              { civilStartTime: { date: { year: 2026, month: 11, day: 18 } } },
            ],
          },
        },
        { data: { dataType: 'sleep' } },
        'junk',
      ]),
    ).toEqual([{ healthUserId: 'u1', dataType: 'steps', earliestDate: '2026-11-18' }]);
    expect(parseNotification({ healthUserId: 'u2' })).toEqual([
      { healthUserId: 'u2', dataType: null, earliestDate: null },
    ]);
  });

  it('tells a refused webhook whether webhooks are off or its secret is wrong', () => {
    expect(webhookSecretRefusal('s3cret-value', 's3cret-value')).toBeNull();
    expect(webhookSecretRefusal('s3cret-valuf', 's3cret-value')).toBe(
      'The webhook secret is missing or wrong',
    );
    expect(webhookSecretRefusal(undefined, 's3cret-value')).toBe(
      'The webhook secret is missing or wrong',
    );
    for (const unset of [undefined, ''])
      expect(webhookSecretRefusal('anything', unset)).toMatch(
        /GOOGLE_HEALTH_WEBHOOK_SECRET is not set/,
      );
  });
});
