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
 * the dispatcher behind) the next evaluation inhibits it: staff are told of
 * what they should act on, once.
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

    it('is withheld, and the episode is announced once when the inhibitor clears', async () => {
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
      // The "new" notice was queued while the alert fired; by delivery it is
      // inhibited, so only the gap that inhibits it reaches staff.
      expect(await alertLines()).toEqual(['1. Monitoring gap (urgent, new): no data for 3 days.']);
      const routing = await dataSource
        .getRepository(Delivery)
        .findBy({ kind: 'routing', pid: 1, status: 'withheld' });
      expect(routing).toHaveLength(1);
      expect(routing[0].lastError).toMatch(/held back by a related alert/);
      // Staff were not told: the alert is as if its run had ended inhibited.
      const held = await sleep();
      expect(JSON.parse(held.lifecycle)).toMatchObject({ lastNotifiedOn: null });
      expect(held.firedAt).toBeNull();
      // Nothing is retried: the withheld row stays settled.
      await deliverAll(new Date(day(1).getTime() + 3 * 3_600_000));
      expect(await alertLines()).toHaveLength(1);

      await alerts.applyEvaluation({
        pid: 1,
        date: '2026-11-22',
        at: day(2),
        outcomes: [outcome(GAP, 'false'), outcome(SLEEP, 'true', 'slept 4.9 h')],
      });
      expect((await sleep()).state).toBe('firing');
      await deliverAll(day(2));
      // The gap is over: staff hear of the episode now, as new, once.
      expect(await alertLines()).toEqual([
        '1. Monitoring gap (urgent, new): no data for 3 days.',
        '1. Sleep deficit (warning, new): slept 4.9 h.',
        'Monitoring gap (urgent).',
      ]);
      expect((await sleep()).firedAt).toEqual(day(2));

      // The episode goes on (no repeat due): nothing more is said of it.
      for (const n of [3, 4]) {
        await alerts.applyEvaluation({
          pid: 1,
          date: `2026-11-2${n}`,
          at: day(n),
          outcomes: [outcome(GAP, 'false'), outcome(SLEEP, 'true', 'slept 4.9 h')],
        });
        await deliverAll(day(n));
      }
      expect(await alertLines()).toHaveLength(3);
      await expect(
        dataSource.getRepository(Delivery).countBy({ kind: 'message', pid: 1 }),
      ).resolves.toBe(2);
    }, 30_000);
  },
);
