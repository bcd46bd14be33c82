import { Cohort, SimulatedUser } from './cohort';
import { JsonWriter } from './json-writer';
import { dayEntries } from './points';
import { addDays } from '../time';

const NOW = Date.parse('2026-11-28T18:00:00Z');
const cohort = new Cohort({
  seed: 'points-spec',
  size: 60,
  historyStartDate: '2026-09-01',
  cacheSize: 64,
  now: () => NOW,
  clean: true,
});
const users = Array.from({ length: 60 }, (_, i) => cohort.user(`sim-${i + 1}`) as SimulatedUser);

/** The text a list writes for a day's points, parsed, against the objects `build()` gives. */
function expectSameJson(
  user: SimulatedUser,
  date: string,
  type: 'heart-rate' | 'steps',
  cadenceSeconds = 60,
): number {
  const entries = dayEntries(user, cohort.day(user, date), type, cadenceSeconds);
  const out = new JsonWriter();
  out.raw('[');
  entries.forEach((entry, i) => {
    if (i > 0) out.raw(',');
    entry.writeJson!(out);
  });
  out.raw(']');
  expect(out.bytes().toString()).toBe(JSON.stringify(entries.map((entry) => entry.build())));
  return entries.length;
}

describe('minute points written directly as JSON', () => {
  it('are byte for byte what the objects serialise to, on ordinary, DST and travel days', () => {
    const traveller = users.find((u) => u.trip !== null) as SimulatedUser;
    const american = users.find((u) => u.homeTimeZone === 'America/New_York') as SimulatedUser;
    const cases: [SimulatedUser, string][] = [
      [users[0], '2026-11-20'],
      // US fall-back (25-hour day) and the day after.
      [american, '2026-11-01'],
      [american, '2026-11-02'],
      [traveller, traveller.trip!.departDate],
      [traveller, traveller.trip!.returnDate],
      [traveller, addDays(traveller.trip!.departDate, 1)],
    ];
    let points = 0;
    for (const [user, date] of cases) {
      points += expectSameJson(user, date, 'heart-rate');
      points += expectSameJson(user, date, 'steps');
    }
    expect(points).toBeGreaterThan(3_000);
  });

  it('are so at the 5-second heart-rate cadence too (instants with seconds), a second apart in exercise', () => {
    const american = users.find((u) => u.homeTimeZone === 'America/New_York') as SimulatedUser;
    const samples =
      expectSameJson(users[0], '2026-11-20', 'heart-rate', 5) +
      expectSameJson(american, '2026-11-01', 'heart-rate', 5);
    let expected = 0;
    let exercise = 0;
    for (const [user, date] of [
      [users[0], '2026-11-20'],
      [american, '2026-11-01'],
    ] as const) {
      const day = cohort.day(user, date);
      day.heartRate.forEach((bpm, minute) => {
        if (bpm === 0) return;
        const brisk = day.steps[minute] >= 100;
        if (brisk) exercise++;
        expected += brisk ? 60 : 12;
      });
    }
    expect(exercise).toBeGreaterThan(0);
    expect(samples).toBe(expected);
  });
});
