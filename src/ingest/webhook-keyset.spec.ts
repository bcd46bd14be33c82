import nock from 'nock';
import type { Environment } from '../config/environment';
import { WebhookSigner } from '../simulator/webhooks';
import { WebhookKeyset } from './webhook-keyset';

describe('WebhookKeyset', () => {
  afterEach(() => nock.cleanAll());

  it('lets notifications that arrive during a keyset fetch wait for it instead of refusing them', async () => {
    const signer = new WebhookSigner();
    const keyId = signer.keyset().primaryKeyId;
    nock('https://keys.example.test').get('/keyset').delay(200).reply(200, signer.keyset());
    const keyset = new WebhookKeyset({
      GOOGLE_HEALTH_WEBHOOK_KEYSET_URL: 'https://keys.example.test/keyset',
    } as Environment);

    const keys = await Promise.all([keyset.key(keyId), keyset.key(keyId), keyset.key(keyId)]);

    expect(keys.every((key) => key?.asymmetricKeyType === 'ec')).toBe(true);
    expect(nock.isDone()).toBe(true);
  });

  it('does not refetch for an unknown key id more than once per throttle period', async () => {
    const signer = new WebhookSigner();
    const scope = nock('https://keys.example.test')
      .get('/keyset')
      .once()
      .reply(200, signer.keyset());
    const keyset = new WebhookKeyset({
      GOOGLE_HEALTH_WEBHOOK_KEYSET_URL: 'https://keys.example.test/keyset',
    } as Environment);

    await expect(keyset.key(12345)).resolves.toBeUndefined();
    await expect(keyset.key(12345)).resolves.toBeUndefined();
    expect(scope.isDone()).toBe(true);
  });
});
