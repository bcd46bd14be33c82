import { SleepSession } from '../wearables/google-health/points';
import { mainSleepOf, nightStarts } from './main-sleep';

const HOUR = 3_600_000;

function session(start: string, hours: number, endOffsetHours: number, nap = false): SleepSession {
  const startTime = Date.parse(start);
  return {
    platform: 'FITBIT',
    startTime,
    endTime: startTime + hours * HOUR,
    startUtcOffsetSeconds: endOffsetHours * 3600,
    endUtcOffsetSeconds: endOffsetHours * 3600,
    nap,
    minutesAsleep: hours * 50,
    minutesInSleepPeriod: hours * 60,
    minutesAwake: hours * 10,
    deepMinutes: null,
    lightMinutes: null,
    remMinutes: null,
  };
}

describe('nightStarts', () => {
  it('gives each morning the earliest start of the sleeps ending on it, naps included', () => {
    // New York (-5): a night from 22:30 to 06:30, a nap the next afternoon, a longer night after.
    const night = session('2026-11-28T03:30:00Z', 8, -5);
    const nap = session('2026-11-28T19:00:00Z', 1, -5, true);
    const early = session('2026-11-29T01:00:00Z', 10, -5);
    const napBefore = session('2026-11-28T20:00:00Z', 0.5, -5, true);
    const starts = nightStarts([night, nap, early, napBefore]);
    expect([...starts.entries()].sort()).toEqual([
      ['2026-11-28', night.startTime],
      ['2026-11-29', early.startTime],
    ]);
    // The main sleep, whichever it is, starts no earlier.
    expect(mainSleepOf([night, nap])!.startTime).toBeGreaterThanOrEqual(starts.get('2026-11-28')!);
  });

  it("files a night by the offset it ended in, as the day's sleep columns do", () => {
    // Ends 23:30Z: 2026-11-28 at -5, but 2026-11-29 in Tokyo (+9).
    const tokyo = session('2026-11-28T15:30:00Z', 8, 9);
    expect([...nightStarts([tokyo]).keys()]).toEqual(['2026-11-29']);
    expect([...nightStarts([session('2026-11-28T15:30:00Z', 8, -5)]).keys()]).toEqual([
      '2026-11-28',
    ]);
  });
});
