import { createHash } from 'node:crypto';
import nock from 'nock';
import { DataSource } from 'typeorm';
import { AlertService } from '../../src/alerts/alert-service';
import { startVigil, type VigilApp } from '../../src/bootstrap';
import { SecretStore } from '../../src/crypto/secret-store';
import { StoredSecret } from '../../src/crypto/stored-secret.entity';
import { Delivery } from '../../src/delivery/delivery.entity';
import { Dispatcher } from '../../src/delivery/dispatcher';
import { OpenEmrApiClient } from '../../src/openemr/api/openemr-api-client';
import { OpenEmrApiVault } from '../../src/openemr/api/openemr-api-credentials';
import { openEmrLogin } from '../../src/openemr/api/openemr-login';
import { diagnoseOpenEmr } from '../../src/openemr/doctor-checks';
import { testRule } from '../support/alert-rules';
import { freshDatabase, type TestDatabase } from '../support/databases';
import { LogCapture } from '../support/log-capture';

const EMR = 'https://emr.example.org';
const API = `${EMR}/apis/default/api`;
const RULE = testRule({
  id: 'resting-hr-rise',
  title: 'Sustained resting heart rate rise',
  recipients: ['user:drsmith', 'provider'],
  deliver: { channels: ['message', 'reminder'], reminderDueInDays: 1, priority: 'high' },
});

describe('delivery mode "api" (OpenEMR REST, against nock)', () => {
  let db: TestDatabase;
  let vigil: VigilApp;
  let logs: LogCapture;
  let vault: OpenEmrApiVault;

  beforeAll(async () => {
    nock.disableNetConnect();
    nock.enableNetConnect(/127\.0\.0\.1|localhost/);
    db = await freshDatabase('sqlite', {
      ROLE: 'api',
      OPENEMR_API_BASE_URL: API,
      PUBLIC_BASE_URL: 'https://vigil.example.org',
      ALERT_FALLBACK_RECIPIENTS: 'admin',
      LOG_LEVEL: 'debug',
    });
    logs = new LogCapture();
    vigil = await startVigil(db.env, { port: 0, logWriter: logs.write });
    vault = new OpenEmrApiVault(vigil.app.get(SecretStore));
  });

  afterAll(async () => {
    nock.cleanAll();
    nock.enableNetConnect();
    await vigil.shutdown('test finished');
    await db.drop();
  });

  afterEach(() => {
    expect(nock.pendingMocks()).toEqual([]);
  });

  it('registers, signs the service account in with PKCE and seals the refresh token', async () => {
    nock(EMR)
      .post('/oauth2/default/registration', (body) => {
        return (
          body.application_type === 'private' &&
          body.redirect_uris[0] === 'https://vigil.example.org/openemr/oauth/callback' &&
          body.scope === 'openid offline_access api:oemr user/message.c'
        );
      })
      .reply(201, { client_id: 'vigil-client', client_secret: 'client-secret-123' });
    let challenge = '';
    nock(EMR)
      .post('/oauth2/default/token', (body) => {
        const verifier = String(body.code_verifier);
        return (
          body.grant_type === 'authorization_code' &&
          body.code === 'code-abc' &&
          body.client_secret === 'client-secret-123' &&
          createHash('sha256').update(verifier).digest('base64url') === challenge
        );
      })
      .reply(200, { access_token: 'access-1', refresh_token: 'refresh-1', expires_in: 3600 });

    const said: string[] = [];
    await openEmrLogin(db.env, vigil.app.get(SecretStore), {
      say: (text) => said.push(text),
      ask: async (question) => {
        if (!question.startsWith('Paste')) return '';
        const link = new URL(
          /https:\/\/emr\.example\.org\/oauth2\/default\/authorize\S+/.exec(said.join('\n'))![0],
        );
        expect(link.searchParams.get('code_challenge_method')).toBe('S256');
        expect(link.searchParams.get('client_id')).toBe('vigil-client');
        challenge = link.searchParams.get('code_challenge')!;
        return `https://vigil.example.org/openemr/oauth/callback?code=code-abc&state=${link.searchParams.get('state')}`;
      },
    });
    expect(said.join('\n')).toContain('client vigil-client');
    await expect(vault.read()).resolves.toEqual({
      clientId: 'vigil-client',
      clientSecret: 'client-secret-123',
      refreshToken: 'refresh-1',
    });
    const stored = await vigil.app.get(DataSource).getRepository(StoredSecret).find();
    expect(JSON.stringify(stored)).not.toMatch(/refresh-1|client-secret-123/);
  });

  it('refuses a sign-in answer that belongs to another login', async () => {
    const client = new OpenEmrApiClient(API, vault);
    await expect(
      client.completeLogin(
        { url: '', state: 'expected', verifier: 'v', redirectUri: 'https://x/cb' },
        'https://x/cb?code=c&state=forged',
      ),
    ).rejects.toThrow(/state/);
  });

  it('delivers grouped messages through POST /api/patient/{pid}/message, and no reminders', async () => {
    // A fresh process: no access token in memory, so the stored refresh token is used (and replaced).
    nock(EMR)
      .post(
        '/oauth2/default/token',
        (body) => body.grant_type === 'refresh_token' && body.refresh_token === 'refresh-1',
      )
      .reply(200, { access_token: 'access-2', refresh_token: 'refresh-2', expires_in: 3600 });
    const sent: Record<string, unknown>[] = [];
    nock(EMR, { reqheaders: { authorization: 'Bearer access-2' } })
      .post('/apis/default/api/patient/1/message', (body) => {
        sent.push(body);
        return true;
      })
      .times(2)
      .reply(201, () => ({ mid: 100 + sent.length }));

    const at = new Date('2026-11-20T14:00:00Z');
    await vigil.app.get(AlertService).applyEvaluation({
      pid: 1,
      date: '2026-11-20',
      at,
      outcomes: [
        {
          rule: RULE,
          ruleVersion: 1,
          result: 'true',
          facts: {},
          message: 'resting heart rate 72 bpm',
        },
      ],
    });
    const dispatcher = vigil.app.get(Dispatcher);
    await dispatcher.dispatchDue(new Date(at.getTime() + 1000));
    await dispatcher.dispatchDue(new Date(at.getTime() + 2000));

    expect(sent.map((m) => m.to).sort()).toEqual(['admin', 'drsmith']);
    for (const message of sent) {
      expect(message).toMatchObject({
        from: 'vigil',
        title: 'Device Alert',
        groupname: 'Default',
        message_status: 'New',
      });
      expect(String(message.body)).toMatch(/\(vigil to (drsmith|admin)\) Vigil: 1 wearable alert/);
      expect(String(message.body)).toMatch(/\[vigil:[a-z2-9]{16}\]$/);
    }
    const deliveries = await vigil.app.get(DataSource).getRepository(Delivery).find();
    expect(deliveries.map((d) => d.kind).sort()).toEqual(['message', 'message', 'routing']);
    expect(deliveries.every((d) => d.status === 'delivered')).toBe(true);
    expect((await vault.read())?.refreshToken).toBe('refresh-2');
  });

  it('renews a token OpenEMR no longer accepts, once, and reports a refused message', async () => {
    const client = new OpenEmrApiClient(API, vault);
    nock(EMR)
      .post('/oauth2/default/token')
      .reply(200, { access_token: 'access-3', refresh_token: 'refresh-3', expires_in: 3600 });
    nock(EMR).post('/apis/default/api/patient/2/message').reply(401, { error: 'expired' });
    nock(EMR)
      .post('/oauth2/default/token', (body) => body.refresh_token === 'refresh-3')
      .reply(200, { access_token: 'access-4', refresh_token: 'refresh-4', expires_in: 3600 });
    nock(EMR, { reqheaders: { authorization: 'Bearer access-4' } })
      .post('/apis/default/api/patient/2/message')
      .reply(201, { mid: 200 });
    await expect(
      client.sendMessage(2, { body: 'x', from: 'vigil', to: 'drjones', title: 'Device Alert' }),
    ).resolves.toBe(200);
    expect((await vault.read())?.refreshToken).toBe('refresh-4');

    nock(EMR).post('/apis/default/api/patient/2/message').reply(403, { error: 'forbidden' });
    await expect(
      client.sendMessage(2, { body: 'x', from: 'vigil', to: 'drjones', title: 'Device Alert' }),
    ).rejects.toThrow('OpenEMR refused the message (HTTP 403)');
  });

  it('never logs tokens or the client secret, and doctor says reminders are impossible', async () => {
    for (const secret of ['access-1', 'access-2', 'refresh-1', 'refresh-2', 'client-secret-123']) {
      expect(logs.text).not.toContain(secret);
    }
    const findings = await diagnoseOpenEmr(db.env);
    expect(findings).toEqual([
      expect.objectContaining({ ok: true, what: expect.stringMatching(/no dated reminders/) }),
    ]);
  });
});
