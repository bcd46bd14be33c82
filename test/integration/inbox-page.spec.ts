import request from 'supertest';
import { DataSource } from 'typeorm';
import { AlertTransitionRow, StoredAlert } from '../../src/alerts/alert.entity';
import { AlertService, type RunOutcome } from '../../src/alerts/alert-service';
import { addDays, openEmrDate } from '../../src/time';
import { AuditEvent } from '../../src/audit/audit-event.entity';
import { startVigil, type VigilApp } from '../../src/bootstrap';
import { Delivery } from '../../src/delivery/delivery.entity';
import { Dispatcher } from '../../src/delivery/dispatcher';
import { Enrollments } from '../../src/patients/enrollments';
import type { RuleDefinition } from '../../src/rules/rule-definition';
import { CARE_TEAM, LOW_SPO2, RESTING_HR, testRule } from '../support/alert-rules';
import { freshDatabase, testEngines, type TestDatabase } from '../support/databases';
import { freshOpenEmr, type TestOpenEmr } from '../support/openemr';
import { hiddenCsrf, signedInStaff } from '../support/staff';

const ZONE = 'America/New_York';
const T0 = new Date('2026-11-20T14:00:00Z');
const HR_MESSAGE = 'resting heart rate 72 bpm, 9 above the 28-day baseline, for 2 days';
const SPO2_MESSAGE = 'nightly SpO2 90.5%, for 2 days';

function outcome(rule: RuleDefinition, message: string): RunOutcome {
  return { rule, ruleVersion: 1, result: 'true', facts: {}, message };
}

describe.each(testEngines())('the alert inbox page on %s', (engine) => {
  let openemr: TestOpenEmr;
  let db: TestDatabase;
  let vigil: VigilApp;
  let url: string;
  let dataSource: DataSource;
  let cookie: string;
  const ids = { hr: '', spo2: '', care: '' };

  /** The page's rows in order, by alert id. */
  const rowIds = (page: string): string[] =>
    [...page.matchAll(/<tr id="alert-(\d+)"/g)].map((m) => m[1]);

  const inbox = (query = '') =>
    request(url).get(`/alerts${query}`).set('Cookie', cookie).expect(200);

  async function stateOf(id: string): Promise<string> {
    return (await dataSource.getRepository(StoredAlert).findOneByOrFail({ id })).state;
  }

  beforeAll(async () => {
    openemr = await freshOpenEmr('sqlite');
    db = await freshDatabase(engine, {
      ROLE: 'api',
      OPENEMR_DATABASE_URL: openemr.url,
      ALERT_FALLBACK_RECIPIENTS: 'admin',
      CLINIC_TIME_ZONE: ZONE,
    });
    vigil = await startVigil(db.env, { port: 0, logWriter: () => undefined });
    url = vigil.url!;
    dataSource = vigil.app.get(DataSource);
    cookie = await signedInStaff(vigil, 'nurse.kim');

    await vigil.app.get(Enrollments).enroll({ pid: 2, program: 'heart-failure' }, 'test');
    const alerts = vigil.app.get(AlertService);
    const first = await alerts.applyEvaluation({
      pid: 1,
      date: '2026-11-20',
      at: T0,
      outcomes: [outcome(RESTING_HR, HR_MESSAGE), outcome(LOW_SPO2, SPO2_MESSAGE)],
    });
    ids.hr = first.alerts.get(RESTING_HR.id)!.id;
    ids.spo2 = first.alerts.get(LOW_SPO2.id)!.id;
    const dispatcher = vigil.app.get(Dispatcher);
    for (let i = 0; i < 3; i += 1) await dispatcher.dispatchDue(new Date(T0.getTime() + 60_000));
    // Patient 2's alert is raised later and not delivered yet.
    const second = await alerts.applyEvaluation({
      pid: 2,
      date: '2026-11-21',
      at: new Date(T0.getTime() + 86_400_000),
      outcomes: [outcome(CARE_TEAM, 'weekly check due')],
    });
    ids.care = second.alerts.get(CARE_TEAM.id)!.id;
  }, 60_000);

  afterAll(async () => {
    await vigil?.shutdown('test finished');
    await db?.drop();
    await openemr?.drop();
  });

  it('lists open alerts urgent first, with chart number, values and OpenEMR delivery status', async () => {
    const page = (await inbox()).text;
    expect(rowIds(page)).toEqual([ids.spo2, ids.hr, ids.care]);
    expect(page).toContain('<caption');
    expect(page).toContain('<th scope="col">OpenEMR delivery</th>');
    expect(page).toMatch(/Needs action <span class="count">\(3\)<\/span>/);
    expect(page).toMatch(/Handled <span class="count">\(0\)<\/span>/);
    expect(page).toContain('href="/patients/1"');
    expect(page).toContain('chart 1001');
    expect(page).toContain(HR_MESSAGE);
    expect(page).toMatch(/Message to drsmith: <span class="ok">delivered<\/span> 2026-11-20 09:01/);
    expect(page).toMatch(/Reminder to drsmith: <span class="ok">delivered<\/span>/);
    expect(page).toContain('Waiting to be routed: pending since 2026-11-21 09:00');
    expect(page).toMatch(/<time datetime="2026-11-20T14:00:00.000Z"\s*>\d+ days<\/time/);
    // Every input has its label.
    for (const [, id] of page.matchAll(/<(?:input|select)[^>]* id="([^"]+)"/g)) {
      expect(page).toContain(`<label for="${id}"`);
    }
  });

  it('filters by severity, program, recipient and patient, and says which filter is wrong', async () => {
    expect(rowIds((await inbox('?severity=urgent')).text)).toEqual([ids.spo2]);
    expect(rowIds((await inbox('?program=heart-failure')).text)).toEqual([ids.care]);
    expect(rowIds((await inbox('?recipient=drsmith')).text)).toEqual([ids.spo2, ids.hr]);
    expect(rowIds((await inbox('?pid=2&severity=')).text)).toEqual([ids.care]);
    expect(rowIds((await inbox('?state=pending')).text)).toEqual([]);

    const bad = await request(url)
      .get('/alerts?state=gone&pid=x')
      .set('Cookie', cookie)
      .expect(400);
    expect(bad.text).toContain('role="alert"');
    expect(bad.text).toContain('state must be one of');
    expect(bad.text).toContain('pid must be a whole number');
  });

  it('shows a failing delivery as retrying with its reason', async () => {
    const waiting = await dataSource
      .getRepository(Delivery)
      .findOneByOrFail({ kind: 'routing', status: 'pending', pid: 2 });
    await dataSource.getRepository(Delivery).update(
      { id: waiting.id },
      {
        attempts: 2,
        lastError: 'OpenEMR did not answer',
        nextAttemptAt: new Date('2026-11-21T15:30:00Z'),
      },
    );
    const page = (await inbox('?pid=2')).text;
    expect(page).toContain('<span class="warning">retrying</span> (2');
    expect(page).toContain('OpenEMR did not answer');
    expect(page).toContain('next try 2026-11-21 10:30');
  });

  it('refuses a form without the CSRF token', async () => {
    await request(url)
      .post(`/alerts/${ids.hr}/acknowledge`)
      .set('Cookie', cookie)
      .type('form')
      .send({ note: 'no token' })
      .expect(403);
    expect(await stateOf(ids.hr)).toBe('firing');
  });

  it('acknowledges through the form, records who did it, and returns to the same view', async () => {
    const csrf = hiddenCsrf((await inbox()).text);
    const res = await request(url)
      .post(`/alerts/${ids.hr}/acknowledge`)
      .set('Cookie', cookie)
      .type('form')
      .send({ _csrf: csrf, note: 'Called the patient', back: '/alerts?severity=warning' })
      .expect(303);
    expect(res.headers.location).toBe(`/alerts?severity=warning&done=acknowledged&alert=${ids.hr}`);
    const after = await inbox(res.headers.location.slice('/alerts'.length));
    // The notice names the rule and the patient; the row moves to Handled, saying who and when.
    expect(after.text).toContain(
      `<p class="box" role="status">Acknowledged “${RESTING_HR.title}” for Maria Garcia, born 1956-03-14, chart 1001, pid 1.</p>`,
    );
    expect(after.text).toMatch(
      /<strong>Acknowledged<\/strong>\s*by nurse\.kim,\s*<time datetime="[^"]+"\s*>\d{4}-\d{2}-\d{2} \d{2}:\d{2}/,
    );
    expect(after.text.indexOf(`id="alert-${ids.hr}"`)).toBeGreaterThan(
      after.text.indexOf('id="handled"'),
    );

    expect(await stateOf(ids.hr)).toBe('acknowledged');
    const [last] = await dataSource
      .getRepository(AlertTransitionRow)
      .find({ where: { alertId: ids.hr }, order: { id: 'DESC' }, take: 1 });
    expect(last).toMatchObject({
      toState: 'acknowledged',
      actor: 'staff:user:nurse.kim',
      note: 'Called the patient',
    });
    const audit = await dataSource
      .getRepository(AuditEvent)
      .findOneByOrFail({ action: 'alert.acknowledged', subjectId: ids.hr });
    expect(audit.actor).toBe('user:nurse.kim');

    const again = await request(url)
      .post(`/alerts/${ids.hr}/acknowledge`)
      .set('Cookie', cookie)
      .type('form')
      .send({ _csrf: csrf })
      .expect(409);
    expect(again.text).toContain(
      '<p class="box error" role="alert"><strong>Refused:</strong> The alert is already acknowledged</p>',
    );
  });

  it('snoozes until a date with a note, and refuses a date that is not one', async () => {
    const csrf = hiddenCsrf((await inbox()).text);
    const until = addDays(openEmrDate(new Date(), ZONE), 3);
    const bad = await request(url)
      .post(`/alerts/${ids.spo2}/snooze`)
      .set('Cookie', cookie)
      .type('form')
      .send({ _csrf: csrf, until: 'next week' })
      .expect(400);
    expect(bad.text).toContain('until must be a calendar date written YYYY-MM-DD');
    const impossible = await request(url)
      .post(`/alerts/${ids.spo2}/snooze`)
      .set('Cookie', cookie)
      .type('form')
      .send({ _csrf: csrf, until: '2026-02-30' })
      .expect(400);
    expect(impossible.text).toContain('not &#34;2026-02-30&#34;');
    const forever = await request(url)
      .post(`/alerts/${ids.spo2}/snooze`)
      .set('Cookie', cookie)
      .type('form')
      .send({ _csrf: csrf, until: '9999-12-31' })
      .expect(409);
    expect(forever.text).toContain(
      '<strong>Refused:</strong> A snooze lasts at most 365 days; to stop watching, resolve the alert or end monitoring',
    );

    const res = await request(url)
      .post(`/alerts/${ids.spo2}/snooze`)
      .set('Cookie', cookie)
      .type('form')
      .send({ _csrf: csrf, until, note: 'Patient travelling' })
      .expect(303);
    expect(res.headers.location).toBe(`/alerts?done=snoozed&alert=${ids.spo2}`);
    expect(await stateOf(ids.spo2)).toBe('snoozed');
    const page = (await inbox(`?done=snoozed&alert=${ids.spo2}`)).text;
    // The exact moment it ends, on the patient's clock (patient 1 is not enrolled: the clinic's).
    const end = `until ${addDays(until, 1)} 00:00 ${ZONE} (through the patient’s day ${until})`;
    const text = page
      .replace(/<[^>]+>/g, ' ')
      .replace(/\s+/g, ' ')
      .replace(/ ([.,])/g, '$1');
    expect(text).toContain(`Snoozed ${end} by nurse.kim`);
    expect(text).toMatch(
      /Snoozed “[^”]+” for [^.]+ until \d{4}-\d{2}-\d{2} 00:00 America\/New_York/,
    );
    expect(text).toContain(`${end}.`);
    // What needs a human comes first: the firing info alert above the snoozed urgent one.
    const at = (marker: string) => page.indexOf(marker);
    expect(at('id="needs-action"')).toBeLessThan(at(`id="alert-${ids.care}"`));
    expect(at(`id="alert-${ids.care}"`)).toBeLessThan(at('id="handled"'));
    expect(at('id="handled"')).toBeLessThan(at(`id="alert-${ids.spo2}"`));
    expect(page).toMatch(/Needs action <span class="count">\(1\)<\/span>/);
    expect(page).toMatch(/Handled <span class="count">\(2\)<\/span>/);
    const history = await request(url).get(`/alerts/${ids.spo2}`).set('Cookie', cookie).expect(200);
    expect(history.text).toContain(`until ${until}: Patient travelling`);
    expect(history.text).toContain('<td>nurse.kim</td>');
  });

  it('resolves with a note from the alert page; the alert leaves the open inbox', async () => {
    const detail = await request(url).get(`/alerts/${ids.care}`).set('Cookie', cookie).expect(200);
    expect(detail.text).toContain('Care team check');
    // Patient 2 is enrolled without a zone from Google yet: their days are the clinic's, and say so.
    expect(detail.text).toContain(`(the patient’s days the readings are from, ${ZONE})`);
    expect(detail.text).toContain('<caption>');
    const res = await request(url)
      .post(`/alerts/${ids.care}/resolve`)
      .set('Cookie', cookie)
      .type('form')
      .send({ _csrf: hiddenCsrf(detail.text), note: 'Seen in clinic', back: `/alerts/${ids.care}` })
      .expect(303);
    expect(res.headers.location).toBe(`/alerts/${ids.care}?done=resolved&alert=${ids.care}`);
    expect(await stateOf(ids.care)).toBe('resolved');
    const after = await request(url).get(res.headers.location).set('Cookie', cookie).expect(200);
    expect(after.text).toContain('role="status">Resolved “Care team check” for John Okafor');
    expect(after.text).toContain('Seen in clinic');
    expect(rowIds((await inbox()).text)).not.toContain(ids.care);
    expect(rowIds((await inbox('?state=resolved')).text)).toEqual([ids.care]);
    // "All states" shows every alert, the closed ones in their own section.
    const all = (await inbox('?state=all')).text;
    expect(all).toMatch(/Not open <span class="count">\(1\)<\/span>/);
    expect(rowIds(all).sort()).toEqual([ids.care, ids.hr, ids.spo2].sort());
  });

  it('tells the data days apart from when staff were first told, for an alert on late readings', async () => {
    // A first backfill: readings from five weeks ago fire today.
    const told = new Date(T0.getTime() + 2 * 86_400_000);
    const late = await vigil.app.get(AlertService).applyEvaluation({
      pid: 1,
      date: '2026-10-15',
      at: told,
      outcomes: [outcome(CARE_TEAM, 'weekly check due')],
    });
    const id = late.alerts.get(CARE_TEAM.id)!.id;
    const detail = (await request(url).get(`/alerts/${id}`).set('Cookie', cookie).expect(200)).text;
    expect(detail).toMatch(
      /<dt>Data days<\/dt>\s*<dd>condition began\s+2026-10-15, fired 2026-10-15/,
    );
    expect(detail).toMatch(
      /<dt>First notice to staff<\/dt>\s*<dd>\s*<time datetime="2026-11-22T14:00:00.000Z">2026-11-22 09:00 America\/New_York<\/time>/,
    );
    expect(detail).toContain('38 days after the day it fired on: the readings reached Vigil late');
    const row = new RegExp(`<tr id="alert-${id}">[\\s\\S]*?</tr>`).exec((await inbox()).text)![0];
    expect(row).toMatch(/first notice\s+<time/);
    expect(row).toContain('fired on the data of 2026-10-15');
    const api = await request(url).get(`/api/v1/alerts/${id}`).set('Cookie', cookie).expect(200);
    expect(api.body).toMatchObject({
      episodeStart: '2026-10-15',
      firedOn: '2026-10-15',
      firstNotifiedAt: told.toISOString(),
    });
    // An alert nobody was told of yet says so, and why.
    const pending = await vigil.app.get(AlertService).applyEvaluation({
      pid: 1,
      date: '2026-11-22',
      at: told,
      outcomes: [outcome(testRule({ id: 'two-day-rise', forDays: 2 }), HR_MESSAGE)],
    });
    const waiting = pending.alerts.get('two-day-rise')!.id;
    const waitingPage = (
      await request(url).get(`/alerts/${waiting}`).set('Cookie', cookie).expect(200)
    ).text;
    expect(waitingPage).toMatch(
      /<dt>First notice to staff<\/dt>\s*<dd>not yet: the condition has not held long enough to fire<\/dd>/,
    );
    expect(
      (await request(url).get(`/api/v1/alerts/${waiting}`).set('Cookie', cookie)).body,
    ).toMatchObject({
      firedOn: null,
      firstNotifiedAt: null,
    });
  });

  it('answers an unknown alert with a page that says so', async () => {
    const res = await request(url).get('/alerts/999999').set('Cookie', cookie).expect(404);
    expect(res.text).toContain('There is no alert 999999.');
  });
});
