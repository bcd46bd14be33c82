import request from 'supertest';
import { DataSource } from 'typeorm';
import { StoredAlert } from '../../src/alerts/alert.entity';
import { AlertService } from '../../src/alerts/alert-service';
import { type VigilApp } from '../../src/bootstrap';
import { Delivery } from '../../src/delivery/delivery.entity';
import { Dispatcher } from '../../src/delivery/dispatcher';
import { MAX_ATTEMPTS } from '../../src/delivery/outbox-policy';
import { openEmrInbox, openEmrReminders } from '../../src/openemr/stand-in';
import { outcome, RESTING_HR } from '../support/alert-rules';
import { startDeliveryVigil, type DeliveryVigil } from '../support/delivery-vigil';
import { LogCapture } from '../support/log-capture';
import { OPENEMR_SETUP_MS, openEmrVariants, type TestOpenEmr } from '../support/openemr';

const T0 = new Date('2026-11-20T14:00:00Z');
const at = (seconds: number): Date => new Date(T0.getTime() + seconds * 1000);
const HR = "resting heart rate 72 bpm, 9 above this patient's 28-day baseline, for 2 days";

/**
 * Staff leave: an OpenEMR user who received an alert is deactivated before its
 * follow-up is written. Each notice goes once to someone active, and the
 * outbox settles instead of rerouting to the same person forever.
 */
describe.each(openEmrVariants())('recipients who leave OpenEMR ($label)', ({ engine, options }) => {
  let running: DeliveryVigil;
  let openemr: TestOpenEmr;
  let vigil: VigilApp;
  let alerts: AlertService;
  let dispatcher: Dispatcher;
  let dataSource: DataSource;
  const logs = new LogCapture();

  /** One worker tick at a simulated time: rounds while rows are delivered, as DeliveryScheduler does. */
  async function tick(now: Date): Promise<void> {
    for (let round = 0; round < 10; round += 1) {
      const { delivered } = await dispatcher.dispatchDue(now);
      if (delivered === 0) return;
    }
  }

  /** Five minutes of the 10-second dispatch timer, from `start` seconds; outbox rows after each. */
  async function fiveMinutesOfTicks(start: number): Promise<number[]> {
    const rows: number[] = [];
    for (let s = start; s <= start + 300; s += 10) {
      await tick(at(s));
      rows.push(await dataSource.getRepository(Delivery).count());
    }
    return rows;
  }

  const setActive = (userId: number, active: boolean): Promise<number> =>
    openemr.db.run((sql) =>
      sql.update('UPDATE users SET active = ? WHERE id = ?', [active ? 1 : 0, userId]),
    );

  const countWhere = async (sqlText: string, params: (string | number)[]): Promise<number> => {
    const rows = await openemr.db.run((sql) => sql.select<{ n: number }>(sqlText, params));
    return Number(rows[0].n);
  };

  beforeAll(async () => {
    running = await startDeliveryVigil(
      { engine, options },
      {
        ALERT_FALLBACK_RECIPIENTS: 'admin',
        CLINIC_TIME_ZONE: 'America/New_York',
        LOG_LEVEL: 'info',
      },
      { logWriter: logs.write },
    );
    ({ openemr, vigil, alerts, dispatcher, dataSource } = running);
  }, OPENEMR_SETUP_MS);

  afterAll(() => running?.stop());

  it('sends the resolved follow-up once to someone active when the recipient left before it', async () => {
    await alerts.applyEvaluation({
      pid: 1,
      date: '2026-11-20',
      at: T0,
      outcomes: [outcome(RESTING_HR, 'true', HR)],
    });
    await tick(at(1));
    expect((await openEmrInbox(openemr.db, 'drsmith')).map((m) => m.pid)).toEqual([1]);

    await setActive(3, false); // drsmith leaves the clinic
    await alerts.applyEvaluation({
      pid: 1,
      date: '2026-11-21',
      at: at(60),
      outcomes: [outcome(RESTING_HR, 'false')],
    });
    const before = await dataSource.getRepository(Delivery).count();
    const rows = await fiveMinutesOfTicks(61);

    // Patient 1's provider is drsmith, gone; RESTING_HR names no group: the fallback gets it.
    const resolved = await countWhere(
      "SELECT COUNT(*) AS n FROM pnotes WHERE pid = 1 AND body LIKE '%Vigil: resolved%'",
      [],
    );
    expect(resolved).toBe(1);
    const [toAdmin] = (await openEmrInbox(openemr.db, 'admin')).filter((m) => m.pid === 1);
    expect(toAdmin.body).toContain('Vigil: resolved');
    // Routing row and its one message; then nothing more for five minutes.
    expect(rows[0]).toBe(before + 1);
    expect(new Set(rows).size).toBe(1);
    await expect(dataSource.getRepository(Delivery).countBy({ status: 'pending' })).resolves.toBe(
      0,
    );
    const alert = await dataSource
      .getRepository(StoredAlert)
      .findOneByOrFail({ pid: 1, ruleId: RESTING_HR.id });
    expect(JSON.parse(alert.routingReasons!)).toEqual([
      { code: 'recipient_gone', username: 'drsmith' },
    ]);
  });

  it('sends the message and the reminder once to someone active when the recipient left after routing', async () => {
    await alerts.applyEvaluation({
      pid: 2,
      date: '2026-11-20',
      at: at(1000),
      outcomes: [outcome(RESTING_HR, 'true', HR)],
    });
    await dispatcher.dispatchDue(at(1001)); // routing only: a message and a reminder for drjones
    await setActive(4, false); // drjones leaves before they are written
    const before = await dataSource.getRepository(Delivery).count();
    const rows = await fiveMinutesOfTicks(1002);

    expect(await countWhere('SELECT COUNT(*) AS n FROM pnotes WHERE pid = 2', [])).toBe(1);
    expect(await countWhere('SELECT COUNT(*) AS n FROM dated_reminders WHERE pid = 2', [])).toBe(1);
    expect((await openEmrInbox(openemr.db, 'admin')).filter((m) => m.pid === 2)).toHaveLength(1);
    expect(
      (await openEmrReminders(openemr.db, 1, '2026-12-31')).filter((r) => r.pid === 2),
    ).toHaveLength(1);
    await expect(
      countWhere("SELECT COUNT(*) AS n FROM pnotes WHERE assigned_to = 'drjones'", []),
    ).resolves.toBe(0);
    // Two reroutes (message, reminder), each a routing row and one row to admin; then nothing.
    expect(rows[0]).toBe(before + 4);
    expect(new Set(rows).size).toBe(1);
    const rerouted = await dataSource
      .getRepository(Delivery)
      .findBy({ pid: 2, status: 'rerouted' });
    expect(rerouted.map((d) => d.recipient).sort()).toEqual(['drjones', 'drjones']);
    await expect(dataSource.getRepository(Delivery).countBy({ status: 'pending' })).resolves.toBe(
      0,
    );
  });

  it('parks a notice nobody can receive as failed after its last attempt, backing off meanwhile', async () => {
    await setActive(1, false); // the fallback leaves too: patient 4 has no provider
    await alerts.applyEvaluation({
      pid: 4,
      date: '2026-11-20',
      at: at(5000),
      outcomes: [outcome(RESTING_HR, 'true', HR)],
    });
    const row = await dataSource
      .getRepository(Delivery)
      .findOneByOrFail({ pid: 4, kind: 'routing' });
    const waits: number[] = [];
    let now = at(5001);
    for (let attempt = 0; attempt < MAX_ATTEMPTS + 5; attempt += 1) {
      await tick(now);
      const after = await dataSource.getRepository(Delivery).findOneByOrFail({ id: row.id });
      if (after.status === 'failed') break;
      waits.push(after.nextAttemptAt.getTime() - now.getTime());
      now = after.nextAttemptAt;
    }
    const parked = await dataSource.getRepository(Delivery).findOneByOrFail({ id: row.id });
    expect(parked).toMatchObject({ status: 'failed', attempts: MAX_ATTEMPTS });
    expect(parked.lastError).toMatch(/nobody reachable/);
    expect(waits).toHaveLength(MAX_ATTEMPTS - 1);
    expect(waits[0]).toBeGreaterThanOrEqual(15_000);
    expect(waits[0]).toBeLessThanOrEqual(30_000);
    expect(Math.max(...waits)).toBeLessThanOrEqual(3_600_000);
    // No new rows, ever: a parked row is not retried on its own.
    const count = await dataSource.getRepository(Delivery).count();
    await tick(new Date(now.getTime() + 86_400_000));
    await expect(dataSource.getRepository(Delivery).count()).resolves.toBe(count);

    const ready = await request(vigil.url!).get('/health/ready').expect(200);
    expect(ready.body.checks.delivery.detail.failed).toBe(1);
    expect(
      logs.lines.filter((l) => l.includes('parked as failed') && JSON.parse(l).level === 'warn'),
    ).toHaveLength(1);
    await setActive(1, true);
  });
});
