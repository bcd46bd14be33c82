import {
  FakeAlerts,
  FakeAudit,
  FakeOutbox,
  FakeTransactions,
  fakeEnvironment,
} from '../../test/support/fakes';
import { testRule } from '../../test/support/alert-rules';
import type { AuditTrail } from '../audit/audit-trail';
import { RoutingOutbox } from '../delivery/outbox';
import type { OutboxRepository } from '../delivery/outbox.repository';
import type { OutcomeResult } from '../rules/rule-definition';
import type { AlertOutbox } from './alert-outbox';
import type { AlertRepository } from './alert.repository';
import { AlertService, lifecycleOf, StaffActionRefused } from './alert-service';

const PID = 7;
const LOW_SPO2 = testRule({
  id: 'low-oxygen-saturation',
  title: 'Low oxygen saturation',
  severity: 'urgent',
  forDays: 2,
  resolveAfterDays: 1,
});

function setUp(port?: AlertOutbox) {
  const alerts = new FakeAlerts();
  const outbox = new FakeOutbox();
  const audit = new FakeAudit();
  const transactions = new FakeTransactions(alerts, outbox, audit);
  const service = new AlertService(
    transactions.asTransactions(),
    alerts as unknown as AlertRepository,
    audit as unknown as AuditTrail,
    fakeEnvironment(),
    port ?? new RoutingOutbox(outbox as unknown as OutboxRepository),
  );
  const evaluate = (date: string, result: OutcomeResult) =>
    service.applyEvaluation({
      pid: PID,
      date,
      at: new Date(`${date}T08:00:00Z`),
      outcomes: [
        { rule: LOW_SPO2, ruleVersion: 3, result, facts: {}, message: `SpO2 ${result} on ${date}` },
      ],
    });
  return { alerts, outbox, audit, transactions, service, evaluate };
}

describe('AlertService (fakes, no database)', () => {
  it('steps pending, firing, acknowledged, resolved: each change with its transition, and each notice with its outbox row, in one unit of work', async () => {
    const { alerts, outbox, audit, transactions, service, evaluate } = setUp();

    const pending = await evaluate('2026-11-18', 'true');
    const [alert] = pending.alerts.values();
    expect(alert.state).toBe('pending');
    expect(pending).toMatchObject({ notices: 0, deliveryId: null });
    expect(outbox.rows).toEqual([]);

    const firing = await evaluate('2026-11-19', 'true');
    expect(firing.alerts.get(LOW_SPO2.id)).toMatchObject({ id: alert.id, state: 'firing' });
    expect(firing.notices).toBe(1);
    const [fire] = outbox.ofKind('routing');
    expect(fire.id).toBe(firing.deliveryId);
    expect(fire.body).toMatchObject({
      date: '2026-11-19',
      notices: [{ alertId: alert.id, kind: 'fire', severity: 'urgent' }],
    });
    expect(outbox.links).toEqual([{ deliveryId: fire.id, alertId: alert.id }]);

    const acknowledged = await service.acknowledge(
      alert.id,
      'drsmith',
      'called the patient',
      new Date('2026-11-19T10:00:00Z'),
    );
    expect(acknowledged.state).toBe('acknowledged');
    expect(lifecycleOf(acknowledged).acknowledgement).toMatchObject({ by: 'drsmith' });
    expect(outbox.rows).toHaveLength(1); // taking an alert tells nobody

    const resolved = await evaluate('2026-11-20', 'false');
    expect(resolved.alerts.get(LOW_SPO2.id)).toMatchObject({ id: alert.id, state: 'resolved' });
    const [, resolve] = outbox.ofKind('routing');
    expect(resolve.body).toMatchObject({ notices: [{ alertId: alert.id, kind: 'resolve' }] });

    expect(
      alerts.transitions.map((t) => [t.fromState, t.toState, t.cause, t.actor, t.localDate]),
    ).toEqual([
      [null, 'pending', 'condition_began', 'evaluation', '2026-11-18'],
      ['pending', 'firing', 'condition_held', 'evaluation', '2026-11-19'],
      ['firing', 'acknowledged', expect.any(String), 'staff:drsmith', '2026-11-19'],
      ['acknowledged', 'resolved', 'condition_cleared', 'evaluation', '2026-11-20'],
    ]);
    expect(alerts.alerts.get(alert.id)).toMatchObject({ state: 'resolved', ruleVersion: 3 });

    // Four units of work, all committed; each wrote its alert, transition and outbox row together.
    expect(transactions.units.map((u) => u.state)).toEqual([
      'committed',
      'committed',
      'committed',
      'committed',
    ]);
    const unitOf = (i: number) => transactions.units[i];
    expect(alerts.transitions.map((t) => t.tx)).toEqual([0, 1, 2, 3].map(unitOf));
    expect(alerts.writes.map((w) => w.tx)).toEqual([0, 1, 2, 3].map(unitOf));
    expect(outbox.rows.map((r) => r.tx)).toEqual([unitOf(1), unitOf(3)]);
    expect(audit.entries).toEqual([
      expect.objectContaining({ action: 'alert.acknowledged', subjectId: alert.id, tx: unitOf(2) }),
    ]);
  });

  it('stores no alert change when its announcement cannot be queued', async () => {
    const refusing: AlertOutbox = { announce: () => Promise.reject(new Error('outbox down')) };
    const { alerts, transactions, evaluate } = setUp(refusing);
    await evaluate('2026-11-18', 'true');
    await expect(evaluate('2026-11-19', 'true')).rejects.toThrow('outbox down');

    expect(transactions.units.map((u) => u.state)).toEqual(['committed', 'rolled back']);
    const [stored] = alerts.alerts.values();
    expect(stored.state).toBe('pending');
    expect(alerts.transitions.map((t) => t.toState)).toEqual(['pending']);
  });

  it('refuses to acknowledge an alert that has not fired, and writes nothing', async () => {
    const { alerts, outbox, audit, service, evaluate } = setUp();
    const pending = await evaluate('2026-11-18', 'true');
    const [alert] = pending.alerts.values();

    const refused = service.acknowledge(alert.id, 'drsmith', null);
    await expect(refused).rejects.toBeInstanceOf(StaffActionRefused);
    await expect(refused).rejects.toMatchObject({ refusal: 'not_fired_yet' });
    expect(alerts.alerts.get(alert.id)!.state).toBe('pending');
    expect(alerts.transitions).toHaveLength(1);
    expect(outbox.rows).toEqual([]);
    expect(audit.entries).toEqual([]);
  });
});
