import { Cohort, DayRecord, SimulatedUser } from './cohort';
import { dayEntries } from './points';
import { demoScenarios, parseScenario, Scenario } from './scenarios';
import { addDays, HOUR_MS, MINUTE_MS } from '../time';

const NOW = Date.parse('2026-11-28T18:00:00Z');

function cohort(size = 40, cacheSize = 64): Cohort {
  return new Cohort({
    seed: 'spec',
    size,
    historyStartDate: '2026-09-29',
    cacheSize,
    now: () => NOW,
    clean: true,
  });
}

function user(c: Cohort, id: string): SimulatedUser {
  const found = c.user(id);
  if (!found) throw new Error(`no ${id}`);
  return found;
}

function dates(from: string, count: number): string[] {
  return Array.from({ length: count }, (_, i) => addDays(from, i));
}

describe('synthetic cohort', () => {
  it('is deterministic: two cohorts with one seed generate identical days', () => {
    const a = cohort();
    const b = cohort();
    const dayA = a.day(user(a, 'sim-7'), '2026-11-10');
    const dayB = b.day(user(b, 'sim-7'), '2026-11-10');
    expect(Buffer.from(dayA.heartRate)).toEqual(Buffer.from(dayB.heartRate));
    expect(dayA.sleeps).toEqual(dayB.sleeps);
    expect(dayA.daily).toEqual(dayB.daily);
    expect(user(a, 'sim-7')).toEqual(user(b, 'sim-7'));
    const other = new Cohort({
      seed: 'other',
      size: 40,
      historyStartDate: '2026-09-29',
      cacheSize: 8,
      now: () => NOW,
    });
    expect(Buffer.from(other.day(user(other, 'sim-7'), '2026-11-10').heartRate)).not.toEqual(
      Buffer.from(dayA.heartRate),
    );
  });

  it('finds users by simulator id and by healthUserId only', () => {
    const c = cohort();
    const u = user(c, 'sim-12');
    expect(c.user(u.healthUserId)?.id).toBe('sim-12');
    expect(c.user('sim-41')).toBeUndefined();
    expect(c.user('1999999999999999999')).toBeUndefined();
    expect(u.legacyUserId).toMatch(/^[A-Z0-9]{6}$/);
  });

  it('keeps memory bounded by the cache size, not the cohort', () => {
    const c = new Cohort({
      seed: 'spec',
      size: 10_000,
      historyStartDate: '2026-09-29',
      cacheSize: 16,
      now: () => NOW,
    });
    for (let i = 0; i < 200; i++) c.day(user(c, `sim-${i * 50 + 1}`), '2026-11-20');
    expect(c.cachedDayCount()).toBe(16);
  });

  it('generates physiologically plausible values', () => {
    const c = cohort();
    let wornDays = 0;
    let notWornDays = 0;
    let naps = 0;
    for (let i = 1; i <= 40; i++) {
      const u = user(c, `sim-${i}`);
      for (const date of dates('2026-11-01', 14)) {
        const day = c.day(u, date);
        if (!day.worn) {
          notWornDays += 1;
          expect(day.heartRate.every((bpm) => bpm === 0)).toBe(true);
          continue;
        }
        wornDays += 1;
        const samples = [...day.heartRate].filter((bpm) => bpm > 0);
        expect(samples.length).toBeGreaterThan(day.heartRate.length - 100);
        expect(Math.min(...samples)).toBeGreaterThanOrEqual(38);
        expect(Math.max(...samples)).toBeLessThanOrEqual(200);
        const steps = [...day.steps].reduce((sum, s) => sum + s, 0);
        expect(steps).toBeGreaterThan(200);
        expect(steps).toBeLessThan(40_000);
        const daily = day.daily;
        expect(daily?.restingHeartRate).toBeGreaterThanOrEqual(42);
        expect(daily?.restingHeartRate).toBeLessThanOrEqual(90);
        if (daily?.oxygenSaturation) {
          expect(daily.oxygenSaturation.average).toBeGreaterThan(90);
          expect(daily.oxygenSaturation.lower).toBeLessThan(daily.oxygenSaturation.average);
          expect(daily.oxygenSaturation.upper).toBeLessThanOrEqual(100);
        }
        if (daily?.breathsPerMinute) expect(daily.breathsPerMinute).toBeGreaterThan(9);
        for (const session of day.sleeps) {
          if (session.nap) naps += 1;
          const minutes = (session.endMs - session.startMs) / MINUTE_MS;
          expect(minutes).toBeGreaterThanOrEqual(session.nap ? 20 : 120);
          expect(minutes).toBeLessThanOrEqual(session.nap ? 90 : 660);
          // Stages tile the session exactly.
          expect(session.stages[0].startMs).toBe(session.startMs);
          expect(session.stages.at(-1)?.endMs).toBe(session.endMs);
          session.stages
            .slice(1)
            .forEach((stage, k) => expect(stage.startMs).toBe(session.stages[k].endMs));
          if (!session.nap)
            expect(session.stages.some((s) => s.type === 'DEEP' || s.type === 'REM')).toBe(true);
        }
        // Heart rate while asleep sits below the awake daytime average.
        const main = day.sleeps.find((s) => !s.nap);
        if (main) {
          const asleep = samples.slice(
            0,
            Math.max(1, Math.floor((main.endMs - day.startMs) / MINUTE_MS) - 30),
          );
          const awake = [...day.heartRate].slice(12 * 60, 18 * 60).filter((bpm) => bpm > 0);
          const mean = (values: number[]): number =>
            values.reduce((s, v) => s + v, 0) / values.length;
          if (asleep.length > 60 && awake.length > 60)
            expect(mean(asleep)).toBeLessThan(mean(awake));
        }
      }
    }
    expect(notWornDays).toBeGreaterThan(0);
    expect(wornDays).toBeGreaterThan(notWornDays * 5);
    expect(naps).toBeGreaterThan(0);
  });

  it('has 25 hours on the US fall-back day and 23 on a spring-forward day', () => {
    const c = new Cohort({
      seed: 'spec',
      size: 200,
      historyStartDate: '2026-01-01',
      cacheSize: 8,
      now: () => NOW,
    });
    const newYorker = c.users(0, 200).find((u) => u.homeTimeZone === 'America/New_York' && !u.trip);
    expect(newYorker).toBeDefined();
    const u = newYorker as SimulatedUser;
    const fallBack = c.day(u, '2026-11-01');
    expect((fallBack.endMs - fallBack.startMs) / HOUR_MS).toBe(25);
    expect(fallBack.offsets.map((o) => o.offsetSeconds)).toEqual([-14400, -18000]);
    const springForward = c.day(u, '2026-03-08');
    expect((springForward.endMs - springForward.startMs) / HOUR_MS).toBe(23);
  });

  it('moves travellers across time zones mid-day on the flight date', () => {
    const c = cohort(200);
    const traveller = c.users(0, 200).find((u) => u.trip !== null) as SimulatedUser;
    const trip = traveller.trip as NonNullable<SimulatedUser['trip']>;
    const flightDay = c.day(traveller, trip.departDate);
    expect(flightDay.offsets.length).toBeGreaterThanOrEqual(2);
    expect(c.timeZoneAt(traveller, trip.departMs + HOUR_MS)).toBe(trip.timeZone);
    expect(c.timeZoneAt(traveller, trip.returnMs + HOUR_MS)).toBe(traveller.homeTimeZone);
    // Consecutive days tile physical time with no gap or overlap.
    const next = c.day(traveller, addDays(trip.departDate, 1));
    expect(next.startMs).toBe(flightDay.endMs);
  });
});

describe('scenarios', () => {
  const c = cohort();
  const u = user(c, 'sim-3');
  const before = (date: string): DayRecord => {
    c.setScenarios(u.id, []);
    return c.day(u, date);
  };
  const withScenario = (scenario: Scenario, date: string): DayRecord => {
    c.setScenarios(u.id, [scenario]);
    return c.day(u, date);
  };
  const wornDate = dates('2026-11-15', 10).find(
    (d) => c.day(u, d).worn && c.day(u, d).daily?.oxygenSaturation,
  ) as string;

  afterEach(() => c.setScenarios(u.id, []));

  it('raises resting heart rate from the start date', () => {
    const normal = before(wornDate).daily?.restingHeartRate as number;
    const raised = withScenario(
      { kind: 'resting-hr-rise', from: addDays(wornDate, -9), bpmPerDay: 1 },
      wornDate,
    );
    expect(raised.daily?.restingHeartRate).toBe(normal + 10);
    expect(
      withScenario({ kind: 'resting-hr-rise', from: addDays(wornDate, 1) }, wornDate).daily
        ?.restingHeartRate,
    ).toBe(normal);
  });

  it('stops one stream from its date while the others carry on', () => {
    const normal = before(wornDate);
    const sum = (values: Uint8Array) => values.reduce((total, v) => total + v, 0);
    const noSteps = withScenario(
      { kind: 'stream-stops', stream: 'steps', from: wornDate },
      wornDate,
    );
    expect(sum(noSteps.steps)).toBe(0);
    expect(Buffer.from(noSteps.heartRate)).toEqual(Buffer.from(normal.heartRate));
    expect(noSteps.sleeps).toEqual(normal.sleeps);
    expect(dayEntries(u, noSteps, 'steps')).toEqual([]);
    expect(dayEntries(u, noSteps, 'active-minutes')).toEqual([]);

    const noHeartRate = withScenario(
      { kind: 'stream-stops', stream: 'heart-rate', from: wornDate },
      wornDate,
    );
    expect([sum(noHeartRate.heartRate), noHeartRate.daily]).toEqual([0, null]);
    expect(sum(noHeartRate.steps)).toBe(sum(normal.steps));
    const dayBefore = withScenario(
      { kind: 'stream-stops', stream: 'steps', from: addDays(wornDate, 1) },
      wornDate,
    );
    expect(sum(dayBefore.steps)).toBe(sum(normal.steps));
    expect(() => parseScenario({ kind: 'stream-stops', stream: 'spo2', from: wornDate })).toThrow(
      'stream must be one of heart-rate, steps, sleep, weight',
    );
  });

  it('shortens sleep, lowers SpO2, drops activity and adds weight', () => {
    const normal = before(wornDate);
    const main = (day: DayRecord): number => {
      const session = day.sleeps.find((s) => !s.nap);
      return session ? session.endMs - session.startMs : 0;
    };
    expect(
      main(withScenario({ kind: 'sleep-deficit', from: wornDate, minutesLess: 120 }, wornDate)),
    ).toBeLessThanOrEqual(Math.max(120 * MINUTE_MS, main(normal) - 119 * MINUTE_MS));
    expect(
      withScenario({ kind: 'low-spo2', from: wornDate }, wornDate).daily?.oxygenSaturation?.average,
    ).toBe(88);
    const sum = (day: DayRecord): number => [...day.steps].reduce((s, v) => s + v, 0);
    expect(
      sum(withScenario({ kind: 'activity-drop', from: wornDate, factor: 0.2 }, wornDate)),
    ).toBeLessThan(sum(normal) * 0.6);
    const day1 = withScenario(
      { kind: 'heart-failure-weight-gain', from: wornDate, gramsPerDay: 1000 },
      wornDate,
    );
    const day3 = c.day(u, addDays(wornDate, 2));
    expect(day1.weighIns).toHaveLength(1);
    if (day3.worn) expect(day3.weighIns[0].grams - day1.weighIns[0].grams).toBeGreaterThan(1000);
  });

  it('mirrors every sleep as a HealthKit copy', () => {
    const day = withScenario({ kind: 'healthkit-sleep-duplicate' }, wornDate);
    const entries = dayEntries(u, day, 'sleep');
    expect(entries.filter((e) => e.origin === 'healthkit')).toHaveLength(day.sleeps.length);
    expect(entries.filter((e) => e.origin === 'tracker')).toHaveLength(day.sleeps.length);
  });

  it('stops syncing, or syncs only every few days', () => {
    c.setScenarios(u.id, []);
    expect(NOW - c.lastSyncTime(u)).toBeLessThan(15 * MINUTE_MS);
    c.setScenarios(u.id, [{ kind: 'stops-syncing', from: '2026-11-20' }]);
    expect(c.lastSyncTime(u)).toBeLessThanOrEqual(Date.parse('2026-11-20T00:00:00Z'));
    c.setScenarios(u.id, [{ kind: 'syncs-late', lagDays: 3 }]);
    const lag = NOW - c.lastSyncTime(u);
    expect(lag).toBeGreaterThanOrEqual(0);
    expect(lag).toBeLessThan(3 * 24 * HOUR_MS);
  });
});

describe('demo scenarios', () => {
  it('are valid scenarios dated before the demo day', () => {
    const scenarios = demoScenarios('2026-11-28');
    expect(Object.keys(scenarios)).toHaveLength(8);
    for (const list of Object.values(scenarios)) {
      for (const scenario of list) {
        expect(parseScenario(scenario)).toEqual(expect.objectContaining({ kind: scenario.kind }));
        if ('from' in scenario) expect(scenario.from < '2026-11-28').toBe(true);
      }
    }
  });
});
