import { DataSource } from 'typeorm';
import { AlertService } from '../../src/alerts/alert-service';
import { startVigil, type VigilApp } from '../../src/bootstrap';
import { loadEnvironment } from '../../src/config/environment';
import { KeyRing } from '../../src/crypto/key-ring';
import { AcknowledgementPoller } from '../../src/delivery/acknowledgements';
import { Delivery } from '../../src/delivery/delivery.entity';
import { Dispatcher } from '../../src/delivery/dispatcher';
import { diagnoseOpenEmr } from '../../src/openemr/doctor-checks';
import { PortalMail } from '../../src/openemr/portal-mail';
import { openEmrInbox, openEmrReminders } from '../../src/openemr/stand-in';
import { outcome, RESTING_HR } from '../support/alert-rules';
import { freshDatabase, mysqlAvailable, type TestDatabase } from '../support/databases';
import {
  freshOpenEmr,
  OPENEMR_SETUP_MS,
  STRICT_SQL_MODE,
  type TestOpenEmr,
} from '../support/openemr';
import { createOpenEmrServiceUser, type OpenEmrServiceUser } from '../support/openemr-user';

const HR = "resting heart rate 72 bpm, 9 above this patient's 28-day baseline, for 2 days";

const maybe = mysqlAvailable() ? describe : describe.skip;

/**
 * A clinic's DBA creates Vigil's OpenEMR user with exactly the documented
 * grants (deploy/mariadb/openemr-user.sql) on OpenEMR's own schema: delivery,
 * acknowledgement and portal invitations work through it, and `doctor` proves
 * each grant and names any that is missing.
 */
maybe('the documented OpenEMR grants, on OpenEMR schema in strict mode', () => {
  let openemr: TestOpenEmr;
  let db: TestDatabase;
  let vigil: VigilApp;
  let serviceUser: OpenEmrServiceUser;
  const logs: string[] = [];

  const doctor = () =>
    diagnoseOpenEmr(
      loadEnvironment({
        ENCRYPTION_KEYS: KeyRing.generateEntry('t'),
        OPENEMR_DATABASE_URL: serviceUser.url,
      }),
    );

  beforeAll(async () => {
    openemr = await freshOpenEmr('mysql', { sessionSqlMode: STRICT_SQL_MODE });
    serviceUser = await createOpenEmrServiceUser(openemr);
    db = await freshDatabase('sqlite', {
      ROLE: 'api',
      OPENEMR_DATABASE_URL: serviceUser.url,
      ALERT_FALLBACK_RECIPIENTS: 'admin',
    });
    vigil = await startVigil(db.env, { port: 0, logWriter: (line) => logs.push(line) });
  }, OPENEMR_SETUP_MS);

  afterAll(async () => {
    await vigil?.shutdown('test finished');
    await db?.drop();
    await openemr?.drop();
    await serviceUser?.drop();
  });

  it('lets doctor prove every grant, including INSERT on list_options while the note type is absent', async () => {
    const findings = await doctor();
    expect(findings.filter((f) => !f.ok)).toEqual([]);
    expect(findings.map((f) => f.what)).toEqual(
      expect.arrayContaining([
        'The note_type option "Device Alert" is added on the first message (INSERT on list_options is granted)',
        "OpenEMR's database user has the 17 grants delivery and portal invitations need",
        'Alerts are sent as OpenEMR user "vigil" (id 2)',
      ]),
    );
  });

  it('delivers a message and a reminder through it, and reads their acknowledgement back', async () => {
    await vigil.app.get(AlertService).applyEvaluation({
      pid: 1,
      date: '2026-11-20',
      at: new Date(),
      outcomes: [outcome(RESTING_HR, 'true', HR)],
    });
    const dispatcher = vigil.app.get(Dispatcher);
    for (let i = 0; i < 3; i += 1) await dispatcher.dispatchDue(new Date(Date.now() + 1000));
    const [message] = await openEmrInbox(openemr.db, 'drsmith');
    expect(message).toMatchObject({ pid: 1, title: 'Device Alert' });
    expect(await openEmrReminders(openemr.db, 3, '2099-01-01')).toHaveLength(1);

    await openemr.db.run((sql) =>
      sql.update(
        "UPDATE pnotes SET message_status = 'Done', activity = 0, update_by = 3 WHERE id = ?",
        [message.id],
      ),
    );
    await expect(vigil.app.get(AcknowledgementPoller).poll()).resolves.toBe(1);
    // Its reminder is closed as the same user (UPDATE on dated_reminders).
    expect(await openEmrReminders(openemr.db, 3, '2099-01-01')).toEqual([]);
  });

  it('sends a portal invitation through it (SELECT MAX(id) on onsite_mail)', async () => {
    const sent = await vigil.app.get(PortalMail).send(1, 'Connect your Fitbit', 'Follow the link.');
    expect(sent.patientCopyId).toBeGreaterThan(0);
  });

  it('waits with a warning naming a grant revoked mid-run, then delivers once it is back', async () => {
    await serviceUser.revoke('INSERT', 'pnotes');
    await vigil.app.get(AlertService).applyEvaluation({
      pid: 2,
      date: '2026-11-20',
      at: new Date(),
      outcomes: [outcome(RESTING_HR, 'true', HR)],
    });
    const dispatcher = vigil.app.get(Dispatcher);
    const started = Date.now() + 1000;
    logs.length = 0;
    for (let i = 0; i < 3; i += 1) await dispatcher.dispatchDue(new Date(started));
    const refusals = logs
      .map((line) => JSON.parse(line) as { level: string; msg: string })
      .filter((entry) => /lacks INSERT on pnotes/.test(entry.msg));
    expect(refusals).toEqual([
      {
        ...refusals[0],
        level: 'warn',
        msg: expect.stringMatching(
          /^Delivery \d+ \(message\) failed, attempt 1: OpenEMR's database user lacks INSERT on pnotes: GRANT INSERT ON <openemr database>\.pnotes TO <Vigil's OpenEMR user>/,
        ),
      },
    ]);
    expect(logs.join('\n')).not.toContain('72 bpm');
    // The message waits with backoff (the reminder, on its own grants, went out).
    const waiting = await vigil.app
      .get(DataSource)
      .getRepository(Delivery)
      .findOneByOrFail({ kind: 'message', pid: 2, status: 'pending' });
    expect(waiting.attempts).toBe(1);
    expect(waiting.nextAttemptAt.getTime()).toBeGreaterThanOrEqual(started + 15_000);
    expect(await openEmrInbox(openemr.db, 'drjones')).toEqual([]);
    expect(await openEmrReminders(openemr.db, 4, '2099-01-01')).toHaveLength(1);

    await serviceUser.grant('INSERT', 'pnotes');
    const later = waiting.nextAttemptAt.getTime() + 1000;
    for (let i = 0; i < 2; i += 1) await dispatcher.dispatchDue(new Date(later));
    expect(await openEmrInbox(openemr.db, 'drjones')).toEqual([
      expect.objectContaining({ pid: 2, title: 'Device Alert' }),
    ]);
    await expect(
      vigil.app.get(DataSource).getRepository(Delivery).countBy({ pid: 2, status: 'pending' }),
    ).resolves.toBe(0);
  });

  it('names each grant that is missing, instead of saying all is well', async () => {
    const messages = () =>
      openemr.db.run(async (sql) =>
        Number((await sql.select<{ n: number }>('SELECT COUNT(*) AS n FROM pnotes'))[0].n),
      );
    const before = await messages();
    await serviceUser.revoke('INSERT', 'pnotes');
    await serviceUser.revoke('SELECT', 'onsite_mail');
    const findings = await doctor();
    expect(findings.filter((f) => !f.ok).map((f) => f.what)).toEqual([
      "OpenEMR's database user lacks INSERT on pnotes (Message Center messages)",
      "OpenEMR's database user lacks SELECT on onsite_mail (the next mail chain number (MAX(id)))",
    ]);
    expect(findings.find((f) => !f.ok)?.advice).toContain(
      `GRANT INSERT ON <openemr database>.pnotes`,
    );
    // The probes wrote nothing.
    await expect(messages()).resolves.toBe(before);
  });
});
