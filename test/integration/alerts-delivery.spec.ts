import request from 'supertest';
import { DataSource } from 'typeorm';
import { StoredAlert } from '../../src/alerts/alert.entity';
import { AlertService } from '../../src/alerts/alert-service';
import { AuditEvent } from '../../src/audit/audit-event.entity';
import { ApiTokens } from '../../src/auth/api-tokens';
import { type VigilApp } from '../../src/bootstrap';
import { AcknowledgementPoller } from '../../src/delivery/acknowledgements';
import { Delivery } from '../../src/delivery/delivery.entity';
import { Dispatcher } from '../../src/delivery/dispatcher';
import { Escalations } from '../../src/delivery/escalation';
import { OutboxRepository } from '../../src/delivery/outbox.repository';
import { OpenEmrDatabase } from '../../src/openemr/openemr-database';
import { addDays } from '../../src/time';
import { CARE_TEAM, LOW_SPO2, outcome, RESTING_HR } from '../support/alert-rules';
import { openEmrInbox, openEmrReminders } from '../../src/openemr/stand-in';
import { startDeliveryVigil, type DeliveryVigil } from '../support/delivery-vigil';
import { openEmrVariants, type TestOpenEmr, OPENEMR_SETUP_MS } from '../support/openemr';
import { TestSmtpServer } from '../support/smtp';
import { TcpProxy } from '../support/tcp-proxy';

const T0 = new Date('2026-11-20T14:00:00Z');
const later = (minutes: number): Date => new Date(T0.getTime() + minutes * 60_000);

const HR_MESSAGE = "resting heart rate 72 bpm, 9 above this patient's 28-day baseline, for 2 days";
const SPO2_MESSAGE = 'nightly SpO2 90.5%, for 2 days';

describe.each(openEmrVariants())('alerts into OpenEMR ($label)', ({ label, engine, options }) => {
  let running: DeliveryVigil;
  let openemr: TestOpenEmr;
  let proxy: TcpProxy | undefined;
  let vigil: VigilApp;
  let smtp: TestSmtpServer;
  let alerts: AlertService;
  let dispatcher: Dispatcher;
  let dataSource: DataSource;
  let url: string;

  /** Delivers until nothing more is due (routing rows make message rows). */
  async function deliverAll(now: Date): Promise<void> {
    for (let i = 0; i < 5; i += 1) {
      const { delivered, failed } = await dispatcher.dispatchDue(now);
      if (delivered + failed === 0) return;
    }
  }

  /** OpenEMR's own Message Center inbox query (interface/main/messages). */
  function inbox(username: string): Promise<Record<string, unknown>[]> {
    return openemr.db.run((sql) =>
      sql.select(
        `SELECT p.id, p.date, p.body, p.pid, p.user, p.title, p.activity, p.groupname,
                p.authorized, p.message_status, p.update_by, p.deleted, u.fname AS from_fname,
                pd.pubpid
           FROM pnotes p
           JOIN users u ON p.user = u.username
           LEFT JOIN patient_data pd ON pd.pid = p.pid
          WHERE p.assigned_to = ? AND p.deleted != 1 AND p.activity = 1
            AND p.message_status != 'Done'
          ORDER BY p.id`,
        [username],
      ),
    );
  }

  /** OpenEMR's reminders widget query (library/dated_reminder_functions.php). */
  function reminders(userId: number): Promise<Record<string, unknown>[]> {
    return openemr.db.run((sql) =>
      sql.select(
        `SELECT dr.pid, dr.dr_id, dr.dr_message_text, dr.dr_message_due_date, dr.message_priority,
                dr.dr_processed_by, u.fname AS ffname, u.lname AS fflname
           FROM dated_reminders dr
           JOIN users u ON dr.dr_from_ID = u.id
           JOIN dated_reminders_link drl ON dr.dr_id = drl.dr_id
          WHERE drl.to_id = ? AND dr.message_processed = 0 AND dr.dr_message_due_date < ?
          ORDER BY dr.dr_id`,
        [userId, '2026-12-20'],
      ),
    );
  }

  async function count(sqlText: string, params: (string | number)[]): Promise<number> {
    const rows = await openemr.db.run((sql) => sql.select<{ n: number }>(sqlText, params));
    return Number(rows[0].n);
  }

  beforeAll(async () => {
    smtp = await new TestSmtpServer().start();
    running = await startDeliveryVigil(
      { engine, options },
      {
        ALERT_FALLBACK_RECIPIENTS: 'admin',
        CLINIC_TIME_ZONE: 'America/New_York',
        PUBLIC_BASE_URL: 'https://vigil.example.org',
        SMTP_URL: smtp.url,
        ESCALATION_EMAILS: 'oncall@clinic.example',
      },
      { throughProxy: true },
    );
    ({ openemr, proxy, vigil, alerts, dispatcher, dataSource } = running);
    url = vigil.url!;
  }, OPENEMR_SETUP_MS);

  afterAll(async () => {
    await running?.stop();
    await smtp?.stop();
  });

  it('puts one grouped message in the provider inbox and a dated reminder in the widget', async () => {
    const applied = await alerts.applyEvaluation({
      pid: 1,
      date: '2026-11-20',
      at: T0,
      outcomes: [outcome(RESTING_HR, 'true', HR_MESSAGE), outcome(LOW_SPO2, 'true', SPO2_MESSAGE)],
    });
    expect([...applied.alerts.values()].map((a) => a.state)).toEqual(['firing', 'firing']);
    expect(applied.notices).toBe(2);

    await deliverAll(later(1));

    const messages = await inbox('drsmith');
    expect(messages).toHaveLength(1);
    const [message] = messages;
    expect(message).toMatchObject({
      user: 'vigil',
      title: 'Device Alert',
      groupname: 'Default',
      message_status: 'New',
      from_fname: 'Vigil',
      pubpid: '1001',
    });
    expect(Number(message.pid)).toBe(1);
    expect(Number(message.activity)).toBe(1);
    expect(Number(message.authorized)).toBe(0);
    expect(Number(message.deleted)).toBe(0);
    expect(Number(message.update_by)).toBe(2);
    expect(String(message.date)).toBe('2026-11-20 09:01:00');
    const body = String(message.body);
    expect(body.startsWith('2026-11-20 09:01 (vigil to drsmith) Vigil: 2 wearable alerts')).toBe(
      true,
    );
    expect(body).toContain('chart 1001');
    expect(body.indexOf('Low oxygen saturation (urgent, new)')).toBeLessThan(
      body.indexOf('Sustained resting heart rate rise (warning, new)'),
    );
    expect(body).toContain(HR_MESSAGE);
    expect(body).not.toContain('After NightSignal');
    expect(Array.from(body).length).toBeLessThanOrEqual(1000);
    expect(body).toContain('Patient page: https://vigil.example.org/patients/1');
    expect(body).toMatch(/\[vigil:[a-z2-9]{16}\]$/);
    expect(body).not.toContain('Garcia');

    const widget = await reminders(3);
    expect(widget).toHaveLength(1);
    expect(widget[0]).toMatchObject({ ffname: 'Vigil', fflname: 'Service' });
    expect(String(widget[0].dr_message_due_date).slice(0, 10)).toBe('2026-11-22');
    expect(Number(widget[0].message_priority)).toBe(1);
    expect(Number(widget[0].dr_processed_by)).toBe(0);
    const text = String(widget[0].dr_message_text);
    expect(Array.from(text).length).toBeLessThanOrEqual(160);
    expect(text).toContain('Sustained resting heart rate rise (warning)');
    expect(text).not.toContain('Low oxygen');

    await expect(openEmrInbox(openemr.db, 'drsmith')).resolves.toEqual([
      expect.objectContaining({ pid: 1, pubpid: '1001', from: 'vigil', title: 'Device Alert' }),
    ]);
    await expect(openEmrReminders(openemr.db, 3, '2026-12-20')).resolves.toEqual([
      expect.objectContaining({ pid: 1, dueDate: '2026-11-22', priority: 1, from: 'vigil' }),
    ]);
    await expect(
      count(
        "SELECT COUNT(*) AS n FROM list_options WHERE list_id = 'note_type' AND option_id = ?",
        ['Device Alert'],
      ),
    ).resolves.toBe(1);

    const written = await dataSource
      .getRepository(AuditEvent)
      .findBy({ action: 'openemr.row_written', pid: 1 });
    expect(written.map((e) => e.subjectType).sort()).toEqual(['dated_reminders', 'pnotes']);
    const details = JSON.parse(written.find((e) => e.subjectType === 'pnotes')!.details!);
    expect(details).toMatchObject({ table: 'pnotes', recipient: 'drsmith' });
    expect(details.alerts).toHaveLength(2);
  });

  it('changes nothing when the same day is evaluated again', async () => {
    const again = await alerts.applyEvaluation({
      pid: 1,
      date: '2026-11-20',
      at: later(2),
      outcomes: [outcome(RESTING_HR, 'true', HR_MESSAGE), outcome(LOW_SPO2, 'true', SPO2_MESSAGE)],
    });
    expect(again).toMatchObject({ notices: 0, deliveryId: null });
    await deliverAll(later(3));
    expect(await inbox('drsmith')).toHaveLength(1);
    expect(await dataSource.getRepository(StoredAlert).countBy({ pid: 1 })).toBe(2);
  });

  it('routes to the fallback when the provider is inactive or missing, and expands groups', async () => {
    await alerts.applyEvaluation({
      pid: 3,
      date: '2026-11-20',
      at: T0,
      outcomes: [outcome(RESTING_HR, 'true', HR_MESSAGE)],
    });
    await alerts.applyEvaluation({
      pid: 4,
      date: '2026-11-20',
      at: T0,
      outcomes: [outcome(LOW_SPO2, 'true', SPO2_MESSAGE)],
    });
    await alerts.applyEvaluation({
      pid: 5,
      date: '2026-11-20',
      at: T0,
      outcomes: [outcome(CARE_TEAM, 'true', 'steps 900')],
    });
    await deliverAll(later(5));

    expect((await inbox('admin')).map((m) => Number(m.pid))).toEqual([3, 4]);
    expect(await reminders(1)).toHaveLength(1);
    await expect(
      count("SELECT COUNT(*) AS n FROM pnotes WHERE assigned_to = 'drold'", []),
    ).resolves.toBe(0);
    await expect(
      count('SELECT COUNT(*) AS n FROM dated_reminders_link WHERE to_id = 8', []),
    ).resolves.toBe(0);

    const stored = await dataSource.getRepository(StoredAlert).findBy({ ruleId: RESTING_HR.id });
    const inactive = stored.find((a) => Number(a.pid) === 3)!;
    expect(JSON.parse(inactive.routingReasons!)).toEqual([
      { code: 'provider_inactive', username: 'drold' },
    ]);
    const missing = await dataSource
      .getRepository(StoredAlert)
      .findOneByOrFail({ pid: 4, ruleId: LOW_SPO2.id });
    expect(JSON.parse(missing.routingReasons!)).toEqual([{ code: 'provider_missing' }]);

    for (const member of ['drsmith', 'drjones', 'nurseward']) {
      expect((await inbox(member)).filter((m) => Number(m.pid) === 5)).toHaveLength(1);
    }
  });

  it('keeps alerts in the outbox while OpenEMR is down and delivers them exactly once after', async () => {
    const connection = vigil.app.get(OpenEmrDatabase);
    const restore: (() => Promise<unknown>)[] = [];
    if (proxy) {
      await proxy.stop();
      restore.push(() => proxy!.start());
    } else {
      const down = (): Promise<never> =>
        Promise.reject(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }));
      const run = jest.spyOn(connection, 'run').mockImplementation(down);
      const transaction = jest.spyOn(connection, 'transaction').mockImplementation(down);
      restore.push(async () => {
        run.mockRestore();
        transaction.mockRestore();
      });
    }

    await alerts.applyEvaluation({
      pid: 6,
      date: '2026-11-20',
      at: later(10),
      outcomes: [outcome(RESTING_HR, 'true', HR_MESSAGE)],
    });
    for (const minutes of [11, 12, 15]) {
      const report = await dispatcher.dispatchDue(later(minutes));
      expect(report.delivered).toBe(0);
    }
    const waiting = await dataSource.getRepository(Delivery).findOneByOrFail({ pid: 6 });
    expect(waiting).toMatchObject({ status: 'pending', kind: 'routing' });
    expect(waiting.attempts).toBeGreaterThanOrEqual(1);
    expect(waiting.lastError).not.toMatch(/72|bpm|baseline/);
    const ready = await request(url).get('/health/ready').expect(200);
    expect(ready.body.checks.delivery.detail.backlog).toBeGreaterThanOrEqual(1);

    for (const step of restore) await step();
    await deliverAll(later(120));
    await deliverAll(later(240));
    expect((await inbox('drjones')).filter((m) => Number(m.pid) === 6)).toHaveLength(1);
    expect((await reminders(4)).filter((r) => Number(r.pid) === 6)).toHaveLength(1);
    const pending = await dataSource.getRepository(Delivery).countBy({ status: 'pending' });
    expect(pending).toBe(0);
  });

  it('writes exactly one message when Vigil fails between the OpenEMR insert and marking it done', async () => {
    await alerts.applyEvaluation({
      pid: 2,
      date: '2026-11-20',
      at: later(300),
      outcomes: [outcome(LOW_SPO2, 'true', SPO2_MESSAGE)],
    });
    await dispatcher.dispatchDue(later(301)); // routing: makes the message row
    const queue = vigil.app.get(OutboxRepository);
    const crash = jest
      .spyOn(queue, 'markDelivered')
      .mockRejectedValueOnce(new Error('process killed'));
    const first = await dispatcher.dispatchDue(later(302));
    expect(first).toEqual({ delivered: 0, failed: 1 });
    crash.mockRestore();

    const marked = "SELECT COUNT(*) AS n FROM pnotes WHERE pid = 2 AND body LIKE '%[vigil:%'";
    await expect(count(marked, [])).resolves.toBe(1);
    const row = await dataSource
      .getRepository(Delivery)
      .findOneByOrFail({ pid: 2, kind: 'message' });
    expect(row.status).toBe('pending');

    await deliverAll(later(310));
    await expect(count(marked, [])).resolves.toBe(1);
    const done = await dataSource.getRepository(Delivery).findOneByOrFail({ id: row.id });
    expect(done.status).toBe('delivered');
    const [pnote] = await inbox('drjones').then((all) => all.filter((m) => Number(m.pid) === 2));
    expect(Number(done.openEmrRowId)).toBe(Number(pnote.id));
  });

  it('retries a row claimed by a process that died, once its lease has run out', async () => {
    const queue = vigil.app.get(OutboxRepository);
    await alerts.applyEvaluation({
      pid: 6,
      date: '2026-11-21',
      at: later(400),
      outcomes: [outcome(RESTING_HR, 'false'), outcome(LOW_SPO2, 'true', SPO2_MESSAGE)],
    });
    const claimed = await queue.claimDue(later(401), 10);
    expect(claimed.map((d) => d.kind)).toEqual(['routing']);
    await expect(dispatcher.dispatchDue(later(402))).resolves.toEqual({ delivered: 0, failed: 0 });
    await deliverAll(later(407));
    const bodies = (await inbox('drjones'))
      .filter((m) => Number(m.pid) === 6)
      .map((m) => String(m.body));
    expect(bodies.filter((b) => b.includes('Low oxygen saturation (urgent, new)'))).toHaveLength(1);
    expect(bodies.filter((b) => b.includes('Vigil: resolved'))).toHaveLength(1);
  });

  it('never hands the same row to two dispatchers claiming at once', async () => {
    for (let i = 0; i < 12; i += 1) {
      await vigil.app.get(OutboxRepository).enqueue(
        {
          kind: 'email',
          pid: null,
          recipient: 'nobody@clinic.example',
          payload: { subject: 's', text: 't' },
        },
        later(500),
        dataSource.manager,
      );
    }
    const queue = vigil.app.get(OutboxRepository);
    const claims = await Promise.all([1, 2, 3].map(() => queue.claimDue(later(501), 5)));
    const ids = claims.flat().map((d) => String(d.id));
    expect(ids).toHaveLength(12);
    expect(new Set(ids).size).toBe(12);
    await dataSource.getRepository(Delivery).delete({ recipient: 'nobody@clinic.example' });
  });

  it('acknowledges the alerts of a message marked Done in OpenEMR, recording who and when', async () => {
    const [message] = await inbox('drsmith').then((all) => all.filter((m) => Number(m.pid) === 1));
    await openemr.db.run((sql) =>
      sql.update(
        "UPDATE pnotes SET message_status = 'Done', activity = 0, update_by = 3, update_date = ? WHERE id = ?",
        ['2026-11-20 10:30:00', Number(message.id)],
      ),
    );
    const poller = vigil.app.get(AcknowledgementPoller);
    expect((await reminders(3)).filter((r) => Number(r.pid) === 1)).toHaveLength(1);
    await expect(poller.poll(later(60))).resolves.toBe(2);
    await expect(poller.poll(later(61))).resolves.toBe(0);
    // Vigil's reminder of the same alert is closed too, as drsmith, and only once.
    expect((await reminders(3)).filter((r) => Number(r.pid) === 1)).toEqual([]);
    await expect(
      count(
        'SELECT COUNT(*) AS n FROM dated_reminders WHERE pid = 1 AND message_processed = 1 AND dr_processed_by = 3',
        [],
      ),
    ).resolves.toBe(1);

    const acked = await dataSource.getRepository(StoredAlert).findBy({ pid: 1 });
    for (const alert of acked) {
      expect(alert.state).toBe('acknowledged');
      expect(JSON.parse(alert.lifecycle).acknowledgement).toEqual({
        by: 'drsmith',
        at: '2026-11-20T15:30:00.000Z',
        note: 'marked Done in OpenEMR',
      });
    }
    const token = await vigil.app.get(ApiTokens).issue('staff', 'ack reader', 'test');
    const one = await request(url)
      .get(`/api/v1/alerts/${acked[0].id}`)
      .auth(token.token, { type: 'bearer' })
      .expect(200);
    expect(one.body.history.at(-1)).toMatchObject({
      from: 'firing',
      to: 'acknowledged',
      cause: 'acknowledged',
      actor: 'staff:drsmith',
    });
  });

  it('sends a short resolved follow-up to the same recipient when the condition clears', async () => {
    await alerts.applyEvaluation({
      pid: 1,
      date: '2026-11-21',
      at: later(24 * 60),
      outcomes: [outcome(RESTING_HR, 'false'), outcome(LOW_SPO2, 'true', SPO2_MESSAGE)],
    });
    await deliverAll(later(24 * 60 + 1));
    const open = await inbox('drsmith').then((all) => all.filter((m) => Number(m.pid) === 1));
    expect(open).toHaveLength(1);
    expect(String(open[0].body)).toContain(
      'Vigil: resolved, chart 1001. No longer present:\nSustained resting heart rate rise (warning).',
    );
  });

  it('serves alerts to staff: filters, acknowledge, snooze, resolve, audited', async () => {
    await request(url).get('/api/v1/alerts').expect(401);
    const staff = await vigil.app.get(ApiTokens).issue('staff', 'front desk', 'test');
    const auth = { type: 'bearer' as const };

    const forNurse = await request(url)
      .get('/api/v1/alerts?recipient=nurseward')
      .auth(staff.token, auth)
      .expect(200);
    expect(forNurse.body.map((a: { pid: number }) => a.pid)).toEqual([5]);
    const urgent = await request(url)
      .get('/api/v1/alerts?severity=urgent&state=firing')
      .auth(staff.token, auth)
      .expect(200);
    expect(urgent.body.map((a: { pid: number }) => a.pid).sort()).toEqual([2, 4, 6]);
    await request(url).get('/api/v1/alerts?state=loud').auth(staff.token, auth).expect(400);

    const id = forNurse.body[0].id as string;
    const acked = await request(url)
      .post(`/api/v1/alerts/${id}/acknowledge`)
      .auth(staff.token, auth)
      .send({ note: 'called the patient' })
      .expect(200);
    expect(acked.body).toMatchObject({ state: 'acknowledged' });
    await request(url)
      .post(`/api/v1/alerts/${id}/acknowledge`)
      .auth(staff.token, auth)
      .send({})
      .expect(409);
    await request(url)
      .post(`/api/v1/alerts/${id}/snooze`)
      .auth(staff.token, auth)
      .send({ until: 'soon' })
      .expect(400);
    // A month ahead: a snooze lasts at most a year.
    const until = addDays(new Date().toISOString().slice(0, 10), 30);
    const snoozed = await request(url)
      .post(`/api/v1/alerts/${id}/snooze`)
      .auth(staff.token, auth)
      .send({ until })
      .expect(200);
    expect(snoozed.body).toMatchObject({ state: 'snoozed', snoozedUntil: until });
    const resolved = await request(url)
      .post(`/api/v1/alerts/${id}/resolve`)
      .auth(staff.token, auth)
      .expect(200);
    expect(resolved.body.state).toBe('resolved');
    await request(url).post('/api/v1/alerts/999999/resolve').auth(staff.token, auth).expect(404);

    const audited = await dataSource
      .getRepository(AuditEvent)
      .findBy({ subjectType: 'alert', subjectId: id });
    expect(audited.map((e) => [e.action, e.actor])).toEqual([
      ['alert.acknowledged', `token:${staff.record.id}`],
      ['alert.snoozed', `token:${staff.record.id}`],
      ['alert.resolved', `token:${staff.record.id}`],
    ]);

    // Staff resolution closes the thread in OpenEMR for every member the group reached.
    await deliverAll(new Date(Date.now() + 60_000));
    for (const member of ['drsmith', 'drjones', 'nurseward']) {
      const forPatient = (await inbox(member)).filter((m) => Number(m.pid) === 5);
      expect(forPatient.map((m) => String(m.body).includes('Vigil: resolved'))).toEqual([
        false,
        true,
      ]);
    }
  });

  it('emails escalations and a daily digest with counts only', async () => {
    const escalations = vigil.app.get(Escalations);
    await expect(escalations.escalateOverdue(later(3 * 60))).resolves.toBe(0);
    const escalated = await escalations.escalateOverdue(later(6 * 60));
    expect(escalated).toBeGreaterThanOrEqual(1);
    await expect(escalations.escalateOverdue(later(7 * 60))).resolves.toBe(0);
    await expect(escalations.enqueueDigest(later(8 * 60))).resolves.toBe(1);
    await expect(escalations.enqueueDigest(later(9 * 60))).resolves.toBe(0);
    await deliverAll(later(10 * 60));

    expect(smtp.received.map((m) => m.subject)).toEqual([
      expect.stringMatching(/^Vigil: \d+ alerts? unacknowledged for over 4 hours$/),
      expect.stringMatching(/^Vigil daily summary: \d+ open alerts?$/),
    ]);
    for (const mail of smtp.received) {
      expect(mail.to).toEqual(['oncall@clinic.example']);
      expect(mail.text).toContain('https://vigil.example.org/');
      for (const secret of [
        'Garcia',
        'Okafor',
        'Chen',
        'Silva',
        '1001',
        '1002',
        '1004',
        '90.5',
        '72 bpm',
      ]) {
        expect(mail.raw).not.toContain(secret);
      }
    }
    expect(label).toBeTruthy();
  });
});
