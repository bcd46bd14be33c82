import type { DeliverySpec } from '../rules/rule-definition';
import { groupMessages, groupReminders, type RoutedNotice } from './grouping';
import type { Recipient } from './routing';

const drSmith: Recipient = { username: 'drsmith', userId: 5 };
const amy: Recipient = { username: 'amy', userId: 7 };
const messageOnly: DeliverySpec = {
  channels: ['message'],
  reminderDueInDays: 0,
  priority: 'medium',
};
const both = (reminderDueInDays: number, priority: DeliverySpec['priority']): DeliverySpec => ({
  channels: ['message', 'reminder'],
  reminderDueInDays,
  priority,
});

function notice(overrides: Partial<RoutedNotice> & Pick<RoutedNotice, 'ruleId'>): RoutedNotice {
  return {
    pid: 17,
    kind: 'fire',
    severity: 'warning',
    deliver: messageOnly,
    recipients: [drSmith],
    ...overrides,
  };
}

const summary = (messages: ReturnType<typeof groupMessages>): string[] =>
  messages.map(
    (m) =>
      `${m.pid} ${m.recipient.username} ${m.kind}: ${m.notices.map((n) => n.ruleId).join(',')}`,
  );

describe('groupMessages', () => {
  it('lists every newly firing rule of a patient in one message per recipient, most severe first', () => {
    const notices = [
      notice({ ruleId: 'sleep-deficit', severity: 'info' }),
      notice({ ruleId: 'spo2-low', severity: 'urgent', recipients: [drSmith, amy] }),
      notice({ ruleId: 'activity-drop', kind: 'renotify', severity: 'warning' }),
    ];
    expect(summary(groupMessages(notices))).toEqual([
      '17 amy alert: spo2-low',
      '17 drsmith alert: spo2-low,activity-drop,sleep-deficit',
    ]);
  });

  it("tells of a stale alert once, in the same message as the run's other changes, with no reminder", () => {
    const notices = [
      notice({ ruleId: 'spo2-low', severity: 'urgent', deliver: both(0, 'high') }),
      notice({ ruleId: 'resting-hr-rise', kind: 'stale', deliver: both(1, 'medium') }),
    ];
    expect(summary(groupMessages(notices))).toEqual(['17 drsmith alert: spo2-low,resting-hr-rise']);
    expect(groupReminders(notices).map((r) => r.notices.map((n) => n.ruleId))).toEqual([
      ['spo2-low'],
    ]);
  });

  it('sends the resolved follow-up as its own short message to the same recipients', () => {
    const notices = [
      notice({ ruleId: 'spo2-low', kind: 'resolve', recipients: [drSmith, amy] }),
      notice({ ruleId: 'weight-gain' }),
    ];
    expect(summary(groupMessages(notices))).toEqual([
      '17 amy resolved: spo2-low',
      '17 drsmith alert: weight-gain',
      '17 drsmith resolved: spo2-low',
    ]);
  });

  it('keeps patients apart and skips rules delivered by reminder only', () => {
    const notices = [
      notice({ ruleId: 'weight-gain', pid: 40 }),
      notice({ ruleId: 'weight-gain', pid: 3 }),
      notice({
        ruleId: 'monitoring-gap',
        pid: 3,
        deliver: { channels: ['reminder'], reminderDueInDays: 1, priority: 'high' },
      }),
    ];
    expect(summary(groupMessages(notices))).toEqual([
      '3 drsmith alert: weight-gain',
      '40 drsmith alert: weight-gain',
    ]);
  });

  it('lists a rule once even if a run reports it twice', () => {
    const notices = [notice({ ruleId: 'spo2-low' }), notice({ ruleId: 'spo2-low' })];
    expect(summary(groupMessages(notices))).toEqual(['17 drsmith alert: spo2-low']);
  });
});

describe('groupReminders', () => {
  it('makes one reminder per patient and recipient with the soonest due date and highest priority', () => {
    const notices = [
      notice({ ruleId: 'weight-gain', deliver: both(3, 'low'), recipients: [drSmith, amy] }),
      notice({ ruleId: 'spo2-low', severity: 'urgent', deliver: both(1, 'high') }),
      notice({ ruleId: 'sleep-deficit', deliver: messageOnly }),
      notice({ ruleId: 'activity-drop', kind: 'resolve', deliver: both(0, 'high') }),
    ];
    expect(
      groupReminders(notices).map((r) => ({
        to: r.recipient.username,
        rules: r.notices.map((n) => n.ruleId),
        due: r.dueInDays,
        priority: r.priority,
      })),
    ).toEqual([
      { to: 'amy', rules: ['weight-gain'], due: 3, priority: 'low' },
      { to: 'drsmith', rules: ['spo2-low', 'weight-gain'], due: 1, priority: 'high' },
    ]);
  });
});
