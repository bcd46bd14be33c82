import request from 'supertest';
import { DataSource } from 'typeorm';
import { StoredAlert } from '../../src/alerts/alert.entity';
import { csrfTokenFor, SESSION_COOKIE, StaffSessions } from '../../src/auth/staff-sessions';
import { startVigil, VigilApp } from '../../src/bootstrap';
import { ConsentFlow } from '../../src/consent/consent-flow';
import { Invitations } from '../../src/consent/invitations';
import { runDemoPipeline } from '../../src/demo-pipeline';
import { openEmrInbox } from '../../src/openemr/stand-in';
import { demoScenarios, startSimulator, Simulator } from '../../src/simulator';
import { WEARABLE_SOURCE, type WearableSource } from '../../src/wearables/wearable-source';
import { simulatorEnv, staffToken } from '../support/consent';
import { freshDatabase, TestDatabase } from '../support/databases';
import { freshOpenEmr, TestOpenEmr } from '../support/openemr';

jest.setTimeout(180_000);

/** Every row of every table as text: what someone holding a copy of the database would see. */
async function dump(query: (sql: string) => Promise<Record<string, unknown>[]>) {
  const tables = await query("SELECT name FROM sqlite_master WHERE type = 'table'");
  const rows = new Map<string, string>();
  for (const { name } of tables)
    rows.set(String(name), JSON.stringify(await query(`SELECT * FROM "${String(name)}"`)));
  return rows;
}

/** Shapes that are never a hash or a sealed secret, whatever column they sit in. */
const CLEAR_TOKEN_SHAPES = [
  /\bvgl_[A-Za-z0-9_-]{8,}/,
  /\bya29\.[A-Za-z0-9._-]{10,}/,
  /\b1\/\/[A-Za-z0-9._-]{10,}/,
  /\b4\/sim-[A-Za-z0-9._-]{10,}/,
  /\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\./,
  /Bearer\s+[A-Za-z0-9]/i,
];

/**
 * After the whole journey (invitation, consent, backfill, rule evaluation,
 * alerts delivered into OpenEMR, staff sign-in and API use), no raw token is
 * in any text column of any table, neither Vigil's nor OpenEMR's. The raw
 * values are collected as they pass through Vigil's own services.
 */
describe('tokens never in clear at rest, after consent, sync and alerts', () => {
  let sim: Simulator;
  let db: TestDatabase;
  let openemr: TestOpenEmr;
  let vigil: VigilApp;
  const secrets = new Map<string, string>();
  const keep = (kind: string, value: string | undefined | null) => {
    if (value) secrets.set(value, kind);
  };

  beforeAll(async () => {
    sim = await startSimulator({ scenarios: demoScenarios(new Date().toISOString().slice(0, 10)) });
    openemr = await freshOpenEmr('sqlite');
    db = await freshDatabase('sqlite', {
      ...simulatorEnv(sim),
      ROLE: 'api',
      OPENEMR_DATABASE_URL: openemr.url,
      ALERT_FALLBACK_RECIPIENTS: 'nurseward',
      BACKFILL_DAYS: '35', // enough for the rules' 28-day baselines
    });
    vigil = await startVigil(db.env, { port: 0, logWriter: () => undefined });

    // Record every raw secret where it is born or passes by.
    const invitations = vigil.app.get(Invitations);
    const invite = invitations.invite.bind(invitations);
    invitations.invite = async (...args) => {
      const issued = await invite(...args);
      keep('invitation link token', new URL(issued.url).pathname.split('/').pop());
      return issued;
    };
    const flow = vigil.app.get(ConsentFlow);
    const complete = flow.complete.bind(flow);
    flow.complete = async (input) => {
      keep('OAuth state', input.state);
      keep('consent browser nonce', input.browserNonce);
      keep('authorization code', input.code);
      const outcome = await complete(input);
      if (outcome.kind === 'connected') keep('disconnect link token', outcome.disconnectToken);
      return outcome;
    };
    const source = vigil.app.get<WearableSource>(WEARABLE_SOURCE);
    const exchange = source.exchangeCode.bind(source);
    source.exchangeCode = async (code, verifier) => {
      keep('PKCE verifier', verifier);
      const grant = await exchange(code, verifier);
      keep('access token', grant.accessToken);
      keep('refresh token', grant.refreshToken);
      return grant;
    };
    const refresh = source.refresh.bind(source);
    source.refresh = async (token) => {
      const grant = await refresh(token);
      keep('refreshed access token', grant.accessToken);
      keep('rotated refresh token', grant.refreshToken);
      return grant;
    };
  });
  afterAll(async () => {
    await vigil.shutdown('test finished');
    await sim.close();
    await openemr.drop();
    await db.drop();
  });

  it('holds none of them in any table', async () => {
    const url = vigil.url ?? '';
    const stdout = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      await runDemoPipeline(vigil.app, url, openemr.db);
    } finally {
      stdout.mockRestore();
    }
    // Staff use the API with a token and the pages with a session.
    const admin = await staffToken(vigil);
    keep('API token', admin);
    const sessions = vigil.app.get(StaffSessions);
    await sessions.createLocalUser('dr.rest', 'clinician', 'at rest password 0123', 'test');
    const signedIn = await sessions.signIn('dr.rest', 'at rest password 0123');
    if (!signedIn.ok) throw new Error('sign-in failed');
    keep('session id', signedIn.secret);
    keep('CSRF token', csrfTokenFor(signedIn.secret));
    keep('password', 'at rest password 0123');
    const alerts = await request(url)
      .get('/api/v1/alerts')
      .set('Cookie', `${SESSION_COOKIE}=${signedIn.secret}`)
      .expect(200);
    await request(url).get('/api/v1/patients').auth(admin, { type: 'bearer' }).expect(200);
    keep('simulator client secret', 'vigil-simulator-secret');

    // The journey really happened: alerts raised and delivered into OpenEMR.
    const dataSource = vigil.app.get(DataSource);
    expect(await dataSource.getRepository(StoredAlert).count()).toBeGreaterThan(0);
    expect(JSON.stringify(alerts.body)).toContain('pid');
    expect(
      (await openEmrInbox(openemr.db, 'nurseward')).length + (await openemrMessages()),
    ).toBeGreaterThan(0);
    const kinds = new Set(secrets.values());
    for (const kind of [
      'invitation link token',
      'OAuth state',
      'authorization code',
      'PKCE verifier',
      'access token',
      'refresh token',
      'disconnect link token',
    ])
      expect([kind, kinds.has(kind)]).toEqual([kind, true]);

    const vigilTables = await dump((sql) => dataSource.query(sql));
    const openEmrTables = await dump((sql) => openemr.db.run((q) => q.select(sql, [])));
    expect(vigilTables.size).toBeGreaterThan(15);
    const found: string[] = [];
    for (const [db, tables] of [
      ['Vigil', vigilTables],
      ['OpenEMR', openEmrTables],
    ] as const) {
      for (const [table, text] of tables) {
        for (const [secret, kind] of secrets) {
          // The invitation is delivered to the patient's own portal inbox: there the link is the message.
          const delivered =
            db === 'OpenEMR' && table === 'onsite_mail' && kind === 'invitation link token';
          if (text.includes(secret) && !delivered) found.push(`${kind} in ${db}.${table}`);
        }
        for (const shape of CLEAR_TOKEN_SHAPES)
          if (shape.test(text)) found.push(`${shape} in ${db}.${table}`);
      }
    }
    expect(found).toEqual([]);
    process.stderr.write(
      `tokens at rest: ${secrets.size} raw secrets checked against ${vigilTables.size} Vigil and ${openEmrTables.size} OpenEMR tables\n`,
    );

    async function openemrMessages(): Promise<number> {
      const rows = await openemr.db.run((q) =>
        q.select<{ n: number }>('SELECT COUNT(*) AS n FROM pnotes', []),
      );
      return Number(rows[0].n);
    }
  });
});
