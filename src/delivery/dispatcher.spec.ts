import type { NoticeSnapshot } from '../alerts/alert-outbox';
import type { OpenEmrUser, RoutingFacts } from '../alerts/routing';
import type { AuditTrail } from '../audit/audit-trail';
import type { Mailer } from '../mail/mailer';
import {
  FakeAlerts,
  FakeAudit,
  FakeOutbox,
  FakeTransactions,
  fakeEnvironment,
  quietLogger,
} from '../../test/support/fakes';
import type { AlertRepository } from '../alerts/alert.repository';
import { Dispatcher } from './dispatcher';
import type { OpenEmrSink, OutgoingMessage } from './openemr-sink';
import { RecipientGone } from './openemr-sink';
import type { OutboxRepository } from './outbox.repository';

const PID = 42;
const T0 = new Date('2026-11-20T09:00:00Z');
const minutesLater = (minutes: number) => new Date(T0.getTime() + minutes * 60_000);

const user = (id: number, username: string, active = true): OpenEmrUser => ({
  id,
  username,
  active,
});

/**
 * OpenEMR as the dispatcher sees it: whoever is the patient's provider now, and
 * a Message Center that finds an earlier write by its marker (as the real sinks
 * do), so a retried write never makes a second message.
 */
class FakeOpenEmr implements OpenEmrSink {
  readonly mode = 'database' as const;
  readonly writesReminders = true;
  provider: OpenEmrUser | null = user(7, 'drsmith');
  /** Users who left: a write addressed to them is refused. */
  gone = new Set<number>();
  messages = new Map<string, { id: number; message: OutgoingMessage }>();
  sendAttempts = 0;

  async routingFacts(): Promise<RoutingFacts> {
    return { provider: this.provider, groupMembers: new Map(), users: new Map() };
  }

  async chartNumber(): Promise<string | null> {
    return 'C-42';
  }

  async sendMessage(message: OutgoingMessage): Promise<number> {
    this.sendAttempts += 1;
    if (this.gone.has(message.recipient.userId)) throw new RecipientGone(message.recipient.userId);
    const earlier = this.messages.get(message.marker);
    if (earlier !== undefined) return earlier.id;
    const id = 1000 + this.messages.size;
    this.messages.set(message.marker, { id, message });
    return id;
  }

  async sendReminder(): Promise<number> {
    throw new Error('no reminders in these tests');
  }

  async acknowledgements() {
    return [];
  }

  async closeRow() {
    return false;
  }
}

function setUp(options: { recipients?: NoticeSnapshot['recipients'] } = {}) {
  const outbox = new FakeOutbox();
  const alerts = new FakeAlerts();
  const audit = new FakeAudit();
  const transactions = new FakeTransactions(outbox, alerts, audit);
  const openEmr = new FakeOpenEmr();
  const { logger, lines } = quietLogger();
  const dispatcher = new Dispatcher(
    transactions.asTransactions(),
    outbox as unknown as OutboxRepository,
    alerts as unknown as AlertRepository,
    openEmr,
    { send: jest.fn() } as unknown as Mailer,
    audit as unknown as AuditTrail,
    fakeEnvironment(),
    logger,
  );
  const alert = alerts.put({ pid: PID, ruleId: 'low-oxygen-saturation', severity: 'urgent' });
  const notice: NoticeSnapshot = {
    alertId: alert.id,
    ruleId: alert.ruleId,
    kind: 'fire',
    title: 'Low oxygen saturation',
    severity: 'urgent',
    summary: 'SpO2 below 92% on 2 nights',
    recipients: options.recipients ?? ['provider'],
    deliver: { channels: ['message'], reminderDueInDays: 0, priority: 'high' },
  };
  /** What the alert feature queues after a run: one routing row with the notice. */
  const announce = () =>
    transactions.run((tx) =>
      outbox.enqueue(
        {
          kind: 'routing',
          pid: PID,
          payload: { date: '2026-11-20', notices: [notice] },
          alertIds: [alert.id],
        },
        T0,
        tx,
      ),
    );
  /** A routing row with these notices. */
  const enqueue = (notices: NoticeSnapshot[]) =>
    transactions.run((tx) =>
      outbox.enqueue(
        {
          kind: 'routing',
          pid: PID,
          payload: { date: '2026-11-20', notices },
          alertIds: notices.map((n) => n.alertId),
        },
        T0,
        tx,
      ),
    );
  return { outbox, alerts, audit, openEmr, dispatcher, alert, notice, announce, enqueue, lines };
}

describe('Dispatcher (fakes, no database)', () => {
  it('routes a notice to the provider, then writes one message and marks it done with its audit line', async () => {
    const { outbox, alerts, audit, openEmr, dispatcher, alert, announce } = setUp();
    await announce();

    expect(await dispatcher.dispatchDue(minutesLater(1))).toEqual({ delivered: 1, failed: 0 });
    const [routing] = outbox.ofKind('routing');
    expect(routing.status).toBe('delivered');
    const [message] = outbox.ofKind('message');
    expect(message).toMatchObject({ status: 'pending', recipient: 'drsmith', recipientUserId: 7 });
    // The split rows and the routing row's "done" commit together.
    expect(message.tx?.state).toBe('committed');
    expect(JSON.parse(alerts.alerts.get(alert.id)!.recipients!)).toEqual([
      { username: 'drsmith', userId: 7 },
    ]);

    expect(await dispatcher.dispatchDue(minutesLater(2))).toEqual({ delivered: 1, failed: 0 });
    expect(openEmr.messages.size).toBe(1);
    const [written] = [...openEmr.messages.values()];
    expect(written.message.recipient).toEqual({ username: 'drsmith', userId: 7 });
    expect(written.message.marker).toBe(`[vigil:${message.marker}]`);
    expect(outbox.ofKind('message')[0]).toMatchObject({
      status: 'delivered',
      openEmrRowId: written.id,
      attempts: 1,
    });
    expect(audit.entries).toEqual([
      expect.objectContaining({ action: 'openemr.row_written', subjectId: written.id, pid: PID }),
    ]);

    // Nothing is left to do: a further round writes nothing.
    expect(await dispatcher.dispatchDue(minutesLater(60))).toEqual({ delivered: 0, failed: 0 });
    expect(openEmr.sendAttempts).toBe(1);
  });

  describe('a notice whose alert is inhibited by the time it is routed', () => {
    const lifecycle = (state: string, lastNotifiedOn: string | null) =>
      JSON.stringify({ state, episodeStart: '2026-11-19', firedOn: '2026-11-20', lastNotifiedOn });

    function withTwoAlerts() {
      const set = setUp();
      const { outbox, alerts, alert } = set;
      Object.assign(alerts.alerts.get(alert.id)!, {
        state: 'inhibited',
        lifecycle: lifecycle('inhibited', '2026-11-20'),
        firedAt: T0,
      });
      const other = alerts.put({
        pid: PID,
        ruleId: 'sleep-deficit',
        lifecycle: lifecycle('firing', '2026-11-20'),
      });
      const notices: NoticeSnapshot[] = [
        { ...set.notice, notifiedOn: '2026-11-20', toldBefore: null },
        {
          ...set.notice,
          alertId: other.id,
          ruleId: other.ruleId,
          title: 'Sleep deficit',
          notifiedOn: '2026-11-20',
          toldBefore: null,
        },
      ];
      return { ...set, other, notices, outbox };
    }

    it('is left out, and its alert gets back the notice date staff had, with the routing', async () => {
      const { outbox, alerts, dispatcher, alert, other, notices, enqueue } = withTwoAlerts();
      await enqueue(notices);

      expect(await dispatcher.dispatchDue(minutesLater(1))).toEqual({ delivered: 1, failed: 0 });
      const [message] = outbox.ofKind('message');
      expect(
        (JSON.parse(message.payload) as { notices: NoticeSnapshot[] }).notices.map(
          (n) => n.alertId,
        ),
      ).toEqual([other.id]);
      const held = alerts.alerts.get(alert.id)!;
      expect(JSON.parse(held.lifecycle)).toMatchObject({ lastNotifiedOn: null });
      expect(held.firedAt).toBeNull();
      // Given back in the transaction that split the routing row.
      const write = alerts.writes.find((w) => w.alertId === alert.id)!;
      expect(write.tx).toBe(message.tx);
      expect(JSON.parse(alerts.alerts.get(other.id)!.lifecycle)).toMatchObject({
        lastNotifiedOn: '2026-11-20',
      });
    });

    it('closes a routing row whose every notice is held back as withheld, never retried', async () => {
      const { outbox, dispatcher, notices, enqueue } = withTwoAlerts();
      await enqueue([notices[0]]);

      expect(await dispatcher.dispatchDue(minutesLater(1))).toEqual({ delivered: 1, failed: 0 });
      expect(outbox.ofKind('routing')[0]).toMatchObject({ status: 'withheld' });
      expect(outbox.ofKind('message')).toEqual([]);
      expect(await dispatcher.dispatchDue(minutesLater(120))).toEqual({ delivered: 0, failed: 0 });
    });

    it('routes again later when an evaluation inhibited the alert while it was routed', async () => {
      const { outbox, alerts, dispatcher, alert, notices, enqueue } = withTwoAlerts();
      Object.assign(alerts.alerts.get(alert.id)!, {
        state: 'firing',
        lifecycle: lifecycle('firing', '2026-11-20'),
      });
      await enqueue([notices[0]]);
      const inhibit = () =>
        Object.assign(alerts.alerts.get(alert.id)!, {
          state: 'inhibited',
          lifecycle: lifecycle('inhibited', '2026-11-20'),
        });
      const lock = alerts.lock.bind(alerts);
      // The evaluation commits between the dispatcher's read and its lock.
      jest.spyOn(alerts, 'lock').mockImplementationOnce(async (id) => {
        inhibit();
        return lock(id);
      });

      expect(await dispatcher.dispatchDue(minutesLater(1))).toEqual({ delivered: 0, failed: 1 });
      // The fake rolled the dispatcher's transaction back, the evaluation's stays.
      inhibit();
      expect(outbox.ofKind('message')).toEqual([]);
      expect(outbox.ofKind('routing')[0]).toMatchObject({ status: 'pending' });
      expect(await dispatcher.dispatchDue(minutesLater(5))).toEqual({ delivered: 1, failed: 0 });
      expect(outbox.ofKind('routing')[0]).toMatchObject({ status: 'withheld' });
      expect(JSON.parse(alerts.alerts.get(alert.id)!.lifecycle)).toMatchObject({
        lastNotifiedOn: null,
      });
    });
  });

  it('writes a message once when the process died between the OpenEMR write and marking it done', async () => {
    const { outbox, audit, openEmr, dispatcher, announce } = setUp();
    await announce();
    await dispatcher.dispatchDue(minutesLater(1)); // routing

    const crash = jest
      .spyOn(outbox, 'markDelivered')
      .mockRejectedValueOnce(new Error('process killed'));
    expect(await dispatcher.dispatchDue(minutesLater(2))).toEqual({ delivered: 0, failed: 1 });
    crash.mockRestore();
    expect(openEmr.messages.size).toBe(1);
    // The audit line went with the failed unit of work.
    expect(audit.entries).toEqual([]);
    expect(outbox.ofKind('message')[0]).toMatchObject({ status: 'pending', attempts: 1 });

    // The retry (after its backoff) finds its own earlier write by the marker.
    expect(await dispatcher.dispatchDue(minutesLater(5))).toEqual({ delivered: 1, failed: 0 });
    expect(openEmr.sendAttempts).toBe(2);
    expect(openEmr.messages.size).toBe(1);
    const [written] = [...openEmr.messages.values()];
    expect(outbox.ofKind('message')[0]).toMatchObject({
      status: 'delivered',
      openEmrRowId: written.id,
    });
    expect(audit.entries).toHaveLength(1);
  });

  it('sends the notice of a recipient who left to one replacement, never back to them', async () => {
    const { outbox, openEmr, dispatcher, announce } = setUp();
    await announce();
    await dispatcher.dispatchDue(minutesLater(1)); // routed to drsmith
    openEmr.gone.add(7);
    openEmr.provider = user(8, 'drjones');

    await dispatcher.dispatchDue(minutesLater(2));
    const [first, replacement] = outbox.ofKind('message');
    expect(first).toMatchObject({ status: 'rerouted', recipient: 'drsmith' });
    expect(first.lastError).toContain('no longer an active recipient');
    const reroutes = outbox.ofKind('routing');
    expect(reroutes).toHaveLength(2);
    expect(reroutes[1].body).toMatchObject({
      replaces: { recipient: { username: 'drsmith', userId: 7 }, kind: 'message' },
      reroutes: 1,
    });
    expect(replacement).toBeUndefined();

    await dispatcher.dispatchDue(minutesLater(3)); // the replacement routing
    await dispatcher.dispatchDue(minutesLater(4)); // its message
    const messages = outbox.ofKind('message');
    expect(messages.map((m) => [m.recipient, m.status])).toEqual([
      ['drsmith', 'rerouted'],
      ['drjones', 'delivered'],
    ]);
    expect([...openEmr.messages.values()].map((m) => m.message.recipient.username)).toEqual([
      'drjones',
    ]);
  });

  it('sends no second message to a group member who already has the notice when another leaves', async () => {
    const { outbox, openEmr, dispatcher, announce } = setUp({ recipients: ['group:clin'] });
    const clin = [user(7, 'nurseward'), user(8, 'drsmith')];
    openEmr.routingFacts = async () => ({
      provider: null,
      groupMembers: new Map([['clin', clin]]),
      users: new Map(),
    });
    await announce();
    await dispatcher.dispatchDue(minutesLater(1)); // one message each
    openEmr.gone.add(7);

    for (let minute = 2; minute <= 5; minute += 1)
      await dispatcher.dispatchDue(minutesLater(minute));

    expect(outbox.ofKind('message').map((m) => [m.recipient, m.status])).toEqual([
      ['drsmith', 'delivered'],
      ['nurseward', 'rerouted'],
    ]);
    expect(outbox.ofKind('routing').map((r) => r.status)).toEqual(['delivered', 'delivered']);
    expect(openEmr.messages.size).toBe(1);
  });

  it('parks a notice that keeps following departing recipients instead of chasing staff forever', async () => {
    const { outbox, openEmr, dispatcher, announce, lines } = setUp();
    await announce();
    // Every provider leaves before their message is written; a new one takes over each time.
    let next = 10;
    openEmr.routingFacts = async () => {
      openEmr.provider = user(next, `doctor${next}`);
      next += 1;
      return { provider: openEmr.provider, groupMembers: new Map(), users: new Map() };
    };
    openEmr.sendMessage = async (message) => {
      openEmr.sendAttempts += 1;
      throw new RecipientGone(message.recipient.userId);
    };

    for (let minute = 1; minute <= 12; minute += 1)
      await dispatcher.dispatchDue(minutesLater(minute));

    const messages = outbox.ofKind('message');
    // The first message and one replacement per reroute (3), the last one parked.
    expect(messages.map((m) => m.status)).toEqual(['rerouted', 'rerouted', 'rerouted', 'failed']);
    expect(messages[3].lastError).toContain('rerouted 3 times already');
    expect(messages[3].attempts).toBe(1);
    expect(outbox.ofKind('routing').map((r) => r.body.reroutes ?? 0)).toEqual([0, 1, 2, 3]);
    expect(outbox.rows.filter((r) => r.status === 'pending')).toEqual([]);
    expect(openEmr.sendAttempts).toBe(4);
    expect(lines.some((line) => line.includes('parked as failed'))).toBe(true);
  });
});
