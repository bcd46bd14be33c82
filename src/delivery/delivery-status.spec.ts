import type { Delivery } from './delivery.entity';
import { deliveryStatus, shownToStaff } from './delivery-status';

const created = new Date('2026-11-20T14:00:00Z');
const next = new Date('2026-11-20T14:30:00Z');
const done = new Date('2026-11-20T14:01:00Z');

function row(changes: Partial<Delivery>): Delivery {
  return {
    id: '5',
    kind: 'message',
    marker: 'abc',
    dedupKey: null,
    pid: 1,
    recipient: 'drsmith',
    recipientUserId: 3,
    payload: '{}',
    status: 'pending',
    attempts: 0,
    nextAttemptAt: created,
    claimedUntil: null,
    lastError: null,
    openEmrRowId: null,
    acknowledgedAt: null,
    createdAt: created,
    deliveredAt: null,
    ...changes,
  };
}

describe('delivery status as staff see it', () => {
  it('is pending while claimed or left by a stopped dispatcher, retrying once an attempt failed', () => {
    expect(deliveryStatus(row({ attempts: 1 }))).toMatchObject({
      progress: 'pending',
      at: created,
    });
  });

  it('is pending, retrying, delivered or rerouted, each with its time', () => {
    expect(deliveryStatus(row({}))).toMatchObject({ progress: 'pending', at: created });
    expect(
      deliveryStatus(
        row({ attempts: 2, lastError: 'OpenEMR did not answer', nextAttemptAt: next }),
      ),
    ).toMatchObject({ progress: 'retrying', at: next, lastError: 'OpenEMR did not answer' });
    expect(
      deliveryStatus(row({ status: 'delivered', attempts: 1, deliveredAt: done })),
    ).toMatchObject({ progress: 'delivered', at: done });
    expect(deliveryStatus(row({ status: 'rerouted', lastError: 'drold left' }))).toMatchObject({
      progress: 'rerouted',
      lastError: 'drold left',
    });
    expect(
      deliveryStatus(row({ status: 'failed', attempts: 20, lastError: 'nobody reachable' })),
    ).toMatchObject({ progress: 'failed', attempts: 20, lastError: 'nobody reachable' });
  });

  it('hides routing rows once they became messages and reminders', () => {
    expect(shownToStaff(row({ kind: 'routing', status: 'pending' }))).toBe(true);
    expect(shownToStaff(row({ kind: 'routing', status: 'delivered' }))).toBe(false);
    expect(shownToStaff(row({ kind: 'routing', status: 'failed' }))).toBe(true);
    // Withheld: the reason nothing reached OpenEMR.
    expect(shownToStaff(row({ kind: 'routing', status: 'withheld' }))).toBe(true);
    expect(deliveryStatus(row({ status: 'withheld', lastError: 'held back' }))).toMatchObject({
      progress: 'withheld',
      at: created,
      lastError: 'held back',
    });
    expect(shownToStaff(row({ kind: 'reminder', status: 'delivered' }))).toBe(true);
  });
});
