import { DataSource } from 'typeorm';
import { AlertService } from '../../src/alerts/alert-service';
import { type VigilApp } from '../../src/bootstrap';
import { Delivery } from '../../src/delivery/delivery.entity';
import { Dispatcher } from '../../src/delivery/dispatcher';
import { OUTBOX_POLICY } from '../../src/delivery/outbox-policy';
import { OutboxRepository } from '../../src/delivery/outbox.repository';
import { ParkedWork } from '../../src/work/parked-work';
import { LOW_SPO2, outcome } from '../support/alert-rules';
import { startDeliveryVigil, type DeliveryVigil } from '../support/delivery-vigil';
import { openEmrVariants, OPENEMR_SETUP_MS, type TestOpenEmr } from '../support/openemr';

const T0 = new Date('2026-11-20T14:00:00Z');
const later = (minutes: number): Date => new Date(T0.getTime() + minutes * 60_000);

/** SQLite, and MariaDB in OpenEMR's strict sql_mode when it is there. */
const variants = openEmrVariants().slice(0, 2);

/**
 * An operator's retry of a parked delivery stays idempotent: a message that
 * reached OpenEMR on its last attempt, before Vigil could mark it done, is
 * found again by its marker and never written twice.
 */
describe.each(variants)(
  'retrying a parked delivery into OpenEMR ($label)',
  ({ engine, options }) => {
    let running: DeliveryVigil;
    let openemr: TestOpenEmr;
    let vigil: VigilApp;
    let alerts: AlertService;
    let dispatcher: Dispatcher;
    let dataSource: DataSource;

    beforeAll(async () => {
      running = await startDeliveryVigil(
        { engine, options },
        { ALERT_FALLBACK_RECIPIENTS: 'admin', CLINIC_TIME_ZONE: 'America/New_York' },
      );
      ({ openemr, vigil, alerts, dispatcher, dataSource } = running);
    }, OPENEMR_SETUP_MS);

    afterAll(async () => {
      await running?.stop();
    });

    const marked = async (): Promise<number> => {
      const rows = await openemr.db.run((sql) =>
        sql.select<{ n: number }>(
          "SELECT COUNT(*) AS n FROM pnotes WHERE pid = 2 AND body LIKE '%[vigil:%'",
          [],
        ),
      );
      return Number(rows[0].n);
    };

    it('writes the message once when the retried row had reached OpenEMR before it was parked', async () => {
      await alerts.applyEvaluation({
        pid: 2,
        date: '2026-11-20',
        at: T0,
        outcomes: [outcome(LOW_SPO2, 'true', 'nightly SpO2 90.5%, for 2 days')],
      });
      await dispatcher.dispatchDue(later(1)); // routing: makes the message row
      const rows = dataSource.getRepository(Delivery);
      const message = await rows.findOneByOrFail({ pid: 2, kind: 'message' });
      // Its next attempt is its last; it reaches OpenEMR, then Vigil fails to mark it done.
      await rows.update({ id: message.id }, { attempts: OUTBOX_POLICY.maxAttempts - 1 });
      const crash = jest
        .spyOn(vigil.app.get(OutboxRepository), 'markDelivered')
        .mockRejectedValueOnce(new Error('database connection lost'));
      expect(await dispatcher.dispatchDue(later(2))).toEqual({ delivered: 0, failed: 1 });
      crash.mockRestore();
      expect(await rows.findOneByOrFail({ id: message.id })).toMatchObject({ status: 'failed' });
      expect(await marked()).toBe(1);
      expect(await dispatcher.dispatchDue(later(600))).toEqual({ delivered: 0, failed: 0 });

      const retried = await vigil.app
        .get(ParkedWork)
        .retry('outbox', [String(message.id)], 'cli', later(700));
      expect(retried.retried).toEqual([String(message.id)]);
      expect(await dispatcher.dispatchDue(later(700))).toEqual({ delivered: 1, failed: 0 });

      expect(await marked()).toBe(1);
      const done = await rows.findOneByOrFail({ id: message.id });
      expect(done).toMatchObject({ status: 'delivered', attempts: 1, marker: message.marker });
      const [pnote] = await openemr.db.run((sql) =>
        sql.select<{ id: number }>('SELECT id FROM pnotes WHERE pid = 2 AND body LIKE ?', [
          `%[vigil:${message.marker}]%`,
        ]),
      );
      expect(Number(done.openEmrRowId)).toBe(Number(pnote.id));
    });
  },
);
