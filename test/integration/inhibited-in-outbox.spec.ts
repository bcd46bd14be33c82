import { StoredAlert } from '../../src/alerts/alert.entity';
import { Delivery } from '../../src/delivery/delivery.entity';
import { openEmrInbox } from '../../src/openemr/stand-in';
import { outcome, testRule } from '../support/alert-rules';
import { startDeliveryVigil, type DeliveryVigil } from '../support/delivery-vigil';
import { OPENEMR_SETUP_MS, openEmrVariants } from '../support/openemr';

const GAP = testRule({ id: 'monitoring-gap', title: 'Monitoring gap', severity: 'urgent' });
const SLEEP = testRule({
  id: 'sleep-deficit',
  title: 'Sleep deficit',
  inhibitedBy: ['monitoring-gap'],
});
const T0 = new Date('2026-11-20T14:00:00Z');
const day = (n: number): Date => new Date(T0.getTime() + n * 86_400_000);

/**
 * An alert fires, and before its "new" notice leaves the outbox (OpenEMR down,
 * the dispatcher behind) the next evaluation inhibits it.
 */
describe.each(openEmrVariants())(
  'an alert inhibited while its notice waits ($label)',
  (variant) => {
    let running: DeliveryVigil;

    beforeAll(async () => {
      running = await startDeliveryVigil(variant, { CLINIC_TIME_ZONE: 'America/New_York' });
    }, OPENEMR_SETUP_MS);
    afterAll(() => running?.stop());

    async function deliverAll(now: Date): Promise<void> {
      for (let i = 0; i < 5; i += 1) {
        const { delivered, failed } = await running.dispatcher.dispatchDue(now);
        if (delivered + failed === 0) return;
      }
    }

    /** Each message's first alert line, as the Message Center shows it. */
    const alertLines = async (): Promise<string[]> =>
      (await openEmrInbox(running.openemr.db, 'drsmith')).map((m) => m.body.split('\n')[1]);

    it('goes out as it was queued, and is not announced again when the inhibitor clears', async () => {
      const { alerts, dataSource } = running;
      await alerts.applyEvaluation({
        pid: 1,
        date: '2026-11-20',
        at: day(0),
        outcomes: [outcome(GAP, 'false'), outcome(SLEEP, 'true', 'slept 4.9 h a night')],
      });
      await alerts.applyEvaluation({
        pid: 1,
        date: '2026-11-21',
        at: day(1),
        outcomes: [
          outcome(GAP, 'true', 'no data for 3 days'),
          outcome(SLEEP, 'true', 'slept 4.9 h'),
        ],
      });
      const sleep = () =>
        dataSource.getRepository(StoredAlert).findOneByOrFail({ pid: 1, ruleId: 'sleep-deficit' });
      expect((await sleep()).state).toBe('inhibited');
      await deliverAll(day(1));
      // The notice was queued while the alert fired, so it goes out as "new";
      // the gap that inhibits it is announced beside it.
      expect(await alertLines()).toEqual([
        '1. Sleep deficit (warning, new): slept 4.9 h a night.',
        '1. Monitoring gap (urgent, new): no data for 3 days.',
      ]);

      await alerts.applyEvaluation({
        pid: 1,
        date: '2026-11-22',
        at: day(2),
        outcomes: [outcome(GAP, 'false'), outcome(SLEEP, 'true', 'slept 4.9 h')],
      });
      expect((await sleep()).state).toBe('firing');
      await deliverAll(day(2));
      // Staff were told of this episode once: its return from inhibition is not news.
      expect(await alertLines()).toEqual([
        '1. Sleep deficit (warning, new): slept 4.9 h a night.',
        '1. Monitoring gap (urgent, new): no data for 3 days.',
        'Monitoring gap (urgent).',
      ]);
      await expect(
        dataSource.getRepository(Delivery).countBy({ kind: 'message', pid: 1 }),
      ).resolves.toBe(2);
    }, 30_000);
  },
);
