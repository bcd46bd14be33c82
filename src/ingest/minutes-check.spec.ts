import { createHash } from 'node:crypto';
import { dayWithoutData, DailyAggregate, METRIC_NAMES } from '../aggregates/daily-aggregate';
import type { SyncedDay } from '../aggregates/daily-aggregates.repository';
import { addDays, startOfLocalDay } from '../time';
import type { RolledUpType, RollUpWindow } from '../wearables/google-health/roll-ups';
import { METRIC_DATA_TYPES } from './data-needs';
import { FINGERPRINTED, fingerprints, minutesFrom, WITNESSES } from './minutes-check';
import { CHECK_WINDOW_SECONDS, MinutesCheck } from './sync-plan';

const ZONE = 'America/New_York';
const QUARTER_MS = CHECK_WINDOW_SECONDS * 1000;

/** A check over local days `from`..`through` in ZONE, as the plan makes it. */
function checkOf(from: string, through: string): MinutesCheck {
  const startTime = startOfLocalDay(from, ZONE).getTime();
  const endTime = startOfLocalDay(addDays(through, 1), ZONE).getTime();
  const query = (dataType: RolledUpType) => ({
    dataType,
    startTime,
    endTime,
    windowSeconds: CHECK_WINDOW_SECONDS,
    pageSize: 10_000,
    dataSourceFamily: null,
    figures: true as const,
  });
  return {
    from,
    through,
    dataTypes: ['heart-rate', 'steps'],
    queries: [query('heart-rate'), query('steps')],
  };
}

/** The quarter hours of each query, `figures(startTime)` in each. */
function answers(
  check: MinutesCheck,
  figures: (dataType: RolledUpType, startTime: number) => string = (dataType, at) =>
    dataType === 'steps'
      ? String((at / QUARTER_MS) % 97)
      : `50/${60 + ((at / QUARTER_MS) % 7)}/120`,
): Map<RolledUpType, RollUpWindow[]> {
  const out = new Map<RolledUpType, RollUpWindow[]>();
  for (const q of check.queries) {
    const windows: RollUpWindow[] = [];
    for (let at = q.startTime; at < q.endTime; at += QUARTER_MS)
      windows.push({
        startTime: at,
        endTime: at + QUARTER_MS,
        value: 1,
        figures: figures(q.dataType, at),
      });
    out.set(q.dataType, windows);
  }
  return out;
}

const check = checkOf('2026-11-23', '2026-11-27');
const DATES = ['2026-11-23', '2026-11-24', '2026-11-25', '2026-11-26', '2026-11-27'];
const fetched = fingerprints(check, answers(check), ZONE);
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
  it("is a hash per local day of every checked type's quarter hours", () => {
    expect([...fetched.keys()]).toEqual(DATES);
    for (const fingerprint of fetched.values()) expect(fingerprint).toMatch(/^[0-9a-f]{64}$/);
    expect(new Set(fetched.values()).size).toBe(DATES.length);
    // The same answer, the same fingerprints.
    expect(fingerprints(check, answers(check), ZONE)).toEqual(fetched);
  });

  it("hashes each type's figures of the day as `type:figure,figure,...;`, as stored fingerprints were", () => {
    const byType = answers(check);
    const dayStart = startOfLocalDay('2026-11-24', ZONE).getTime();
    const dayEnd = startOfLocalDay('2026-11-25', ZONE).getTime();
    const text = check.dataTypes
      .map((dataType) => {
        const inDay = (byType.get(dataType) ?? []).filter(
          (w) => w.startTime >= dayStart && w.startTime < dayEnd,
        );
        return `${dataType}:${inDay.map((w) => `${w.figures},`).join('')};`;
      })
      .join('');
    expect(fetched.get('2026-11-24')).toBe(createHash('sha256').update(text).digest('hex'));
  });

  it('changes only the local day whose quarter hour changed, at either end of the day', () => {
    const changedAt = (dataType: RolledUpType, at: number) =>
      fingerprints(
        check,
        answers(check, (t, start) =>
          t === dataType && start === at
            ? '-'
            : t === 'steps'
              ? String((start / QUARTER_MS) % 97)
              : `50/${60 + ((start / QUARTER_MS) % 7)}/120`,
        ),
        ZONE,
      );
    const changedDays = (after: Map<string, string>) =>
      DATES.filter((date) => after.get(date) !== fetched.get(date));
    // 23:45 and 00:00 New York time: late data near midnight files into its own local day.
    const midnight = startOfLocalDay('2026-11-25', ZONE).getTime();
    expect(changedDays(changedAt('steps', midnight - QUARTER_MS))).toEqual(['2026-11-24']);
    expect(changedDays(changedAt('heart-rate', midnight))).toEqual(['2026-11-25']);
    // A heart-rate quarter hour whose figures moved but not its mean still counts.
    const moved = answers(check);
    const heartRate = moved.get('heart-rate')!;
    heartRate[5] = { ...heartRate[5], figures: '49/60/120' };
    expect(changedDays(fingerprints(check, moved, ZONE))).toEqual(['2026-11-23']);
  });

  it('takes a DST day whole: its 100 quarter hours, the first and the last its own', () => {
    const fallBack = checkOf('2026-10-31', '2026-11-02');
    const day = startOfLocalDay('2026-11-01', ZONE).getTime();
    const next = startOfLocalDay('2026-11-02', ZONE).getTime();
    expect((next - day) / QUARTER_MS).toBe(100);
    const flat = (t: RolledUpType) => (t === 'steps' ? '1' : '50/60/120');
    const plain = fingerprints(fallBack, answers(fallBack, flat), ZONE);
    for (const at of [day, next - QUARTER_MS]) {
      const after = fingerprints(
        fallBack,
        answers(fallBack, (t, start) => (start === at ? '-' : flat(t))),
        ZONE,
      );
      expect(
        ['2026-10-31', '2026-11-01', '2026-11-02'].filter((d) => after.get(d) !== plain.get(d)),
      ).toEqual(['2026-11-01']);
    }
  });

  it('reads minutes from the first day whose fingerprint differs or is missing', () => {
    const from = '2026-11-24';
    expect(minutesFrom(check, from, fetched, storedAll(), fresh)).toBe('2026-11-28');
    const late = storedAll();
    // A fingerprint stored as daily roll-up text (before quarter hours) matches no hash.
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
