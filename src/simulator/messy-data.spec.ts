/**
 * The named scenarios of real devices' mess (issue 16), each on its own, and
 * the habits that give them to a share of a default (not clean) cohort.
 */
import { Cohort, DayRecord, SimulatedUser } from './cohort';
import { messyHabits } from './habits';
import { dayEntries, JsonObject, PointEntry } from './points';
import { parseScenario, Scenario } from './scenarios';
import { startSimulator } from './server';
import { addDays, DAY_MS, HOUR_MS } from '../time';

const NOW = Date.parse('2026-11-28T18:00:00Z');
const HISTORY_START = '2026-09-01';

function cleanCohort(): Cohort {
  return new Cohort({
    seed: 'messy-spec',
    size: 200,
    historyStartDate: HISTORY_START,
    cacheSize: 64,
    now: () => NOW,
    clean: true,
  });
}

const cohort = cleanCohort();
const users = cohort.users(0, 200);
const newYorker = users.find((u) => u.homeTimeZone === 'America/New_York' && u.trip === null)!;

/** A worn day of the user's with and without one scenario. */
function withAndWithout(
  user: SimulatedUser,
  scenario: Scenario,
  date: string,
): { plain: DayRecord; messy: DayRecord } {
  cohort.setScenarios(user.id, []);
  const plain = cohort.day(user, date);
  cohort.setScenarios(user.id, [scenario]);
  const messy = cohort.day(user, date);
  cohort.setScenarios(user.id, []);
  return { plain, messy };
}

function wornDate(user: SimulatedUser): string {
  for (let date = '2026-11-10'; ; date = addDays(date, 1))
    if (cohort.day(user, date).worn && cohort.day(user, date).sleeps.length > 0) return date;
}

const count = (entry: PointEntry): number =>
  Number(((entry.build().steps as JsonObject).count as string) ?? NaN);

describe('messy data scenarios', () => {
  const user = users[3];
  const date = wornDate(user);

  it('stream-starts: a stream sends nothing before its first day', () => {
    const scenario: Scenario = { kind: 'stream-starts', stream: 'sleep', from: addDays(date, 1) };
    const { plain, messy } = withAndWithout(user, scenario, date);
    expect(plain.sleeps.length).toBeGreaterThan(0);
    expect(messy.sleeps).toEqual([]);
    expect(Buffer.from(messy.heartRate)).toEqual(Buffer.from(plain.heartRate));
    const after = withAndWithout(user, scenario, addDays(date, 1));
    expect(after.messy.sleeps).toEqual(after.plain.sleeps);
  });

  it('stream-stops with until: a stream pauses, then arrives again', () => {
    const scenario: Scenario = {
      kind: 'stream-stops',
      stream: 'steps',
      from: date,
      until: addDays(date, 2),
    };
    const paused = withAndWithout(user, scenario, date).messy;
    expect(dayEntries(user, paused, 'steps')).toEqual([]);
    const back = withAndWithout(user, scenario, addDays(date, 2));
    expect(Buffer.from(back.messy.steps)).toEqual(Buffer.from(back.plain.steps));
    expect(() =>
      parseScenario({ kind: 'stream-stops', stream: 'steps', from: date, until: date }),
    ).toThrow('until must be after from');
  });

  it('zero-step-intervals: worn minutes without steps are listed as 0 steps; totals unchanged', () => {
    const { plain, messy } = withAndWithout(user, { kind: 'zero-step-intervals' }, date);
    const plainSteps = dayEntries(user, plain, 'steps');
    const messySteps = dayEntries(user, messy, 'steps');
    const zeros = messySteps.filter((entry) => count(entry) === 0);
    const wornStill = [...messy.heartRate].filter((bpm, m) => bpm > 0 && messy.steps[m] === 0);
    expect(zeros.length).toBe(wornStill.length);
    expect(zeros.length).toBeGreaterThan(300);
    const total = (entries: PointEntry[]) => entries.reduce((sum, e) => sum + count(e), 0);
    expect(total(messySteps)).toBe(total(plainSteps));
    // A step stream that stopped lists nothing, not zeros.
    cohort.setScenarios(user.id, [
      { kind: 'zero-step-intervals' },
      { kind: 'stream-stops', stream: 'steps', from: date },
    ]);
    expect(dayEntries(user, cohort.day(user, date), 'steps')).toEqual([]);
    cohort.setScenarios(user.id, []);
  });

  it('duplicate-points: every n-th point is listed twice, the copy marked for reconcile to drop', () => {
    const { plain, messy } = withAndWithout(user, { kind: 'duplicate-points', every: 10 }, date);
    for (const type of ['heart-rate', 'steps'] as const) {
      const listed = dayEntries(user, messy, type, 5);
      const copies = listed.filter((entry) => entry.sourceRank === 1);
      const original = dayEntries(user, plain, type, 5);
      expect(copies.length).toBe(Math.floor(original.length / 10));
      expect(listed.filter((entry) => entry.sourceRank === 0).length).toBe(original.length);
      const i = listed.indexOf(copies[0]);
      expect(JSON.stringify(copies[0].build())).toBe(JSON.stringify(listed[i - 1].build()));
    }
    expect(() => parseScenario({ kind: 'duplicate-points', every: 0 })).toThrow(
      'every must be a positive whole number',
    );
  });

  it('stale-offset: after the DST change the tracker stamps the old offset for a few hours', () => {
    // US fall-back 2026-11-01: 06:00Z, -4 h becomes -5 h.
    const change = Date.parse('2026-11-01T06:00:00Z');
    const { plain, messy } = withAndWithout(
      newYorker,
      { kind: 'stale-offset', hours: 2 },
      '2026-11-01',
    );
    expect(plain.offsets.map((o) => o.fromMs)).toContain(change);
    const offsetAt = (day: DayRecord, instantMs: number): string | undefined => {
      const point = dayEntries(newYorker, day, 'heart-rate').find((e) => e.startMs === instantMs);
      return (point?.build().heartRate as { sampleTime: { utcOffset: string } } | undefined)
        ?.sampleTime.utcOffset;
    };
    const worn = (ms: number): number => {
      for (let t = ms; ; t += 60_000) if (offsetAt(plain, t) !== undefined) return t;
    };
    const inStale = worn(change + 30 * 60_000);
    const afterStale = worn(change + 2 * HOUR_MS);
    expect([offsetAt(plain, inStale), offsetAt(messy, inStale)]).toEqual(['-18000s', '-14400s']);
    expect([offsetAt(plain, afterStale), offsetAt(messy, afterStale)]).toEqual([
      '-18000s',
      '-18000s',
    ]);
  });

  it('late-day: a day reaches Google only days after it ended', () => {
    const { plain, messy } = withAndWithout(user, { kind: 'late-day', date, lagDays: 2 }, date);
    for (const type of ['heart-rate', 'steps', 'sleep', 'daily-resting-heart-rate'] as const) {
      const late = dayEntries(user, messy, type);
      expect(late.length).toBe(dayEntries(user, plain, type).length);
      expect(late.length).toBeGreaterThan(0);
      expect(late.every((entry) => entry.recordedAtMs >= messy.endMs + 2 * DAY_MS)).toBe(true);
    }
    const nextDay = withAndWithout(user, { kind: 'late-day', date, lagDays: 2 }, addDays(date, 1));
    expect(dayEntries(user, nextDay.messy, 'steps').map((e) => e.recordedAtMs)).toEqual(
      dayEntries(user, nextDay.plain, 'steps').map((e) => e.recordedAtMs),
    );
  });
});

describe('messy habits of a default cohort', () => {
  it('give each kind of mess to a share of users, the same for the same seed', () => {
    const habits = users.map((u) => messyHabits('messy-spec', u.index, HISTORY_START));
    const kinds = new Map<string, number>();
    for (const list of habits)
      for (const kind of new Set(list.map((h) => h.kind)))
        kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
    for (const kind of [
      'zero-step-intervals',
      'duplicate-points',
      'stale-offset',
      'stream-starts',
      'stream-stops',
      'late-day',
    ]) {
      expect(kinds.get(kind) ?? 0).toBeGreaterThan(10);
      expect(kinds.get(kind) ?? 0).toBeLessThan(150);
    }
    expect(messyHabits('messy-spec', 7, HISTORY_START)).toEqual(habits[7]);
    // Paused streams have started again 50 days into the history.
    for (const pause of habits.flat())
      if (pause.kind === 'stream-stops')
        expect(pause.until! <= addDays(HISTORY_START, 50)).toBe(true);
  });

  it('apply unless the cohort is clean', () => {
    const messy = new Cohort({
      seed: 'messy-spec',
      size: 200,
      historyStartDate: HISTORY_START,
      cacheSize: 8,
      now: () => NOW,
    });
    const someone = messy.users(0, 200).find((u) => messy.habits(u).length > 0)!;
    expect(messy.habits(someone)).toEqual(messyHabits('messy-spec', someone.index, HISTORY_START));
    expect(cohort.habits(someone)).toEqual([]);
  });

  it('serve heart rate at about 5 s by default, one a minute when clean', async () => {
    const samplesInAnHour = async (clean: boolean): Promise<number> => {
      const sim = await startSimulator({ now: NOW, cohortSize: 1, seed: 'cadence', clean });
      try {
        const token = sim.grantTokens('sim-1').access_token;
        const start = '2026-11-27T15:00:00Z';
        const filter = `heart_rate.sample_time.physical_time >= "${start}" AND heart_rate.sample_time.physical_time < "2026-11-27T16:00:00Z"`;
        const res = await fetch(
          `${sim.url}/v4/users/me/dataTypes/heart-rate/dataPoints?pageSize=10000&filter=${encodeURIComponent(filter)}`,
          { headers: { Authorization: `Bearer ${token}` } },
        );
        return ((await res.json()) as { dataPoints: unknown[] }).dataPoints.length;
      } finally {
        await sim.close();
      }
    };
    const clean = await samplesInAnHour(true);
    const messy = await samplesInAnHour(false);
    expect(clean).toBeGreaterThan(30);
    expect(clean).toBeLessThanOrEqual(60);
    expect(messy).toBeGreaterThanOrEqual(12 * clean);
  });
});
