import { dayWithoutData, DailyAggregate, METRIC_NAMES } from '../aggregates/daily-aggregate';
import type { SyncedDay } from '../aggregates/daily-aggregates.repository';
import { METRIC_DATA_TYPES } from './data-needs';
import { FINGERPRINTED, fingerprints, minutesFrom, WITNESSES } from './minutes-check';
import type { MinutesCheck } from './sync-plan';

const check: MinutesCheck = {
  from: '2026-11-23',
  through: '2026-11-27',
  dataTypes: ['heart-rate', 'steps'],
};
const DATES = ['2026-11-23', '2026-11-24', '2026-11-25', '2026-11-26', '2026-11-27'];
const fetched = fingerprints(
  check,
  new Map([
    ['heart-rate', DATES.map((date, i) => ({ date, value: `50/${70 + i}/140` }))],
    ['steps', DATES.map((date, i) => ({ date, value: String(9000 + i) }))],
  ]),
);
const sleep = { sleepStart: '2026-11-23T23:10:00-05:00', sleepEnd: '2026-11-24T06:40:00-05:00' };
const day = (date: string, fingerprint: string | null): SyncedDay => ({
  ...dayWithoutData(date),
  ...sleep,
  minutesFingerprint: fingerprint,
});
const storedAll = (): Map<string, SyncedDay> =>
  new Map(DATES.map((date) => [date, day(date, fetched.get(date) ?? null)]));
const fresh = new Map<string, DailyAggregate>(
  DATES.map((date) => [date, { ...dayWithoutData(date), ...sleep }]),
);

describe('the minutes check', () => {
  it("is one text per day of every checked type's value", () => {
    expect(fetched.get('2026-11-24')).toBe('heart-rate=50/71/140;steps=9001');
    const one = fingerprints(
      { ...check, dataTypes: ['heart-rate'] },
      new Map([['heart-rate', [{ date: '2026-11-23', value: '-' }]]]),
    );
    expect(one.get('2026-11-23')).toBe('heart-rate=-');
    expect(one.get('2026-11-24')).toBe('heart-rate=?');
  });

  it('reads minutes from the first day whose fingerprint differs or is missing', () => {
    const from = '2026-11-24';
    expect(minutesFrom(check, from, fetched, storedAll(), fresh)).toBe('2026-11-28');
    const late = storedAll();
    late.set('2026-11-25', day('2026-11-25', 'heart-rate=-;steps=-'));
    expect(minutesFrom(check, from, fetched, late, fresh)).toBe('2026-11-25');
    const unread = storedAll();
    unread.set('2026-11-26', day('2026-11-26', null));
    expect(minutesFrom(check, from, fetched, unread, fresh)).toBe('2026-11-26');
    const missing = storedAll();
    missing.delete('2026-11-27');
    expect(minutesFrom(check, from, fetched, missing, fresh)).toBe('2026-11-27');
  });

  it('reads every day when the evening before the first changed', () => {
    const before = storedAll();
    before.set('2026-11-23', day('2026-11-23', 'heart-rate=50/60/140;steps=1'));
    expect(minutesFrom(check, '2026-11-24', fetched, before, fresh)).toBe('2026-11-24');
    before.delete('2026-11-23');
    expect(minutesFrom(check, '2026-11-24', fetched, before, fresh)).toBe('2026-11-24');
  });

  it("reads a day's minutes when the main sleep its resting estimate used changed", () => {
    const moved = new Map(fresh);
    moved.set('2026-11-25', {
      ...dayWithoutData('2026-11-25'),
      ...sleep,
      sleepEnd: '2026-11-25T07:05:00-05:00',
    });
    expect(minutesFrom(check, '2026-11-24', fetched, storedAll(), moved)).toBe('2026-11-25');
  });

  it('names, for every column over heart rate or steps and another type, what shows the other unchanged', () => {
    for (const metric of METRIC_NAMES) {
      const types = METRIC_DATA_TYPES[metric];
      const others = types.filter((t) => !(FINGERPRINTED as readonly string[]).includes(t));
      if (others.length === 0 || others.length === types.length) continue;
      // Active minutes is dense itself: with it read, the plan has no check (sync-plan.spec.ts).
      if (others.every((t) => t === 'active-minutes')) continue;
      const witnesses = WITNESSES[metric];
      expect({ metric, witnesses }).toEqual({ metric, witnesses: expect.any(Array) as unknown });
      for (const witness of witnesses ?? [])
        expect(METRIC_DATA_TYPES[witness].every((t) => others.includes(t))).toBe(true);
    }
  });
});
