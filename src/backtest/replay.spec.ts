import fc from 'fast-check';
import type { OutcomeResult } from '../rules/rule-definition';
import { stepAlert, type Alert, type AlertTiming } from '../alerts/lifecycle';
import { addDays } from '../time';
import { replayEpisodes, type DailyOutcome, type Episode } from './replay';

const D = (n: number): string => addDays('2026-01-01', n);

describe('replayEpisodes', () => {
  const timing: AlertTiming = { forDays: 2, resolveAfterDays: 3, repeatAfterDays: 0 };

  it('returns the would-be alerts of a series with their peak values', () => {
    //            0    1    2    3    4    5    6    7    8    9   10   11
    const series = ['T', 'T', 'T', 'F', 'F', 'F', 'T', 'F', 'T', 'T', '?', 'T'];
    const delta = [5, 7, 6, 1, 0, 2, 8, 1, 4, 9, null, 6];
    const outcomes: DailyOutcome<{ delta: number }>[] = series.map((char, i) => ({
      date: D(i),
      outcome: ({ T: 'true', F: 'false', '?': 'insufficient_data' } as const)[
        char as 'T' | 'F' | '?'
      ],
      ...(delta[i] === null ? {} : { values: { delta: delta[i] as number } }),
    }));
    expect(
      replayEpisodes(outcomes, timing, { isMoreExtreme: (a, b) => a.delta > b.delta }),
    ).toEqual([
      // Alert days: firing with data, so day 10 (no data) is not one.
      { start: D(0), firedOn: D(1), notifiedOn: D(1), end: D(5), alertDays: 4, peak: { delta: 7 } },
      { start: D(8), firedOn: D(9), notifiedOn: D(9), end: null, alertDays: 2, peak: { delta: 9 } },
    ]);
  });

  it('takes days in date order and counts a repeated date once', () => {
    const outcomes: DailyOutcome[] = [
      { date: D(1), outcome: 'true' },
      { date: D(0), outcome: 'true' },
      { date: D(1), outcome: 'false' },
    ];
    expect(replayEpisodes(outcomes, timing)).toEqual([
      { start: D(0), firedOn: D(1), notifiedOn: D(1), end: null, alertDays: 1 },
    ]);
  });

  it('reports an episode inhibited throughout as never notified', () => {
    const outcomes: DailyOutcome[] = [0, 1, 2].map((i) => ({
      date: D(i),
      outcome: 'true',
      inhibited: true,
    }));
    expect(replayEpisodes(outcomes, timing)).toEqual([
      { start: D(0), firedOn: D(1), notifiedOn: null, end: null, alertDays: 0 },
    ]);
  });
});

const arbitraryTiming = fc.record({
  forDays: fc.integer({ min: 1, max: 4 }),
  resolveAfterDays: fc.integer({ min: 1, max: 4 }),
  repeatAfterDays: fc.integer({ min: 0, max: 5 }),
  staleAfterDays: fc.option(fc.integer({ min: 1, max: 4 }), { nil: undefined }),
});

/** Random series with gaps of up to two unevaluated days. */
const arbitrarySeries = fc
  .array(
    fc.record({
      outcome: fc.constantFrom<OutcomeResult>('true', 'false', 'insufficient_data'),
      inhibited: fc.boolean(),
      gap: fc.integer({ min: 1, max: 3 }),
    }),
    { maxLength: 60 },
  )
  .map((days) => {
    let offset = 0;
    return days.map(({ outcome, inhibited, gap }) => {
      offset += gap;
      return { date: D(offset), outcome, inhibited };
    });
  });

/** The live service: one day at a time, the alert stored and read back as JSON in between. */
function liveEpisodes(series: DailyOutcome[], timing: AlertTiming): Episode[] {
  const closed: Alert[] = [];
  const firstNotice = new Map<string, string>();
  const alertDays = new Map<string, number>();
  let stored: string | null = null;
  for (const day of series) {
    const previous: Alert | null = stored === null ? null : (JSON.parse(stored) as Alert);
    const step = stepAlert(
      previous,
      { date: day.date, outcome: day.outcome, inhibited: day.inhibited ?? false },
      timing,
    );
    for (const notice of step.notices) {
      if (notice.kind !== 'resolve' && !firstNotice.has(notice.episodeStart)) {
        firstNotice.set(notice.episodeStart, notice.date);
      }
    }
    if (step.alert?.state === 'firing' && day.outcome !== 'insufficient_data') {
      const start = step.alert.episodeStart;
      alertDays.set(start, (alertDays.get(start) ?? 0) + 1);
    }
    if (previous !== null && step.alert?.episodeStart !== previous.episodeStart) {
      closed.push(previous);
    }
    stored = step.alert === null ? null : JSON.stringify(step.alert);
  }
  const all = stored === null ? closed : [...closed, JSON.parse(stored) as Alert];
  return all.flatMap((alert) =>
    alert.firedOn === null
      ? []
      : [
          {
            start: alert.episodeStart,
            firedOn: alert.firedOn,
            notifiedOn: firstNotice.get(alert.episodeStart) ?? null,
            end: alert.resolvedOn,
            alertDays: alertDays.get(alert.episodeStart) ?? 0,
          },
        ],
  );
}

/**
 * An independent statement of the streak rules, without inhibition: a fired
 * alert goes stale on the staleAfterDays-th insufficient-data day in a row (3
 * by default) and is live again on the next true day; alert days are its live
 * days with data.
 */
function referenceEpisodes(series: DailyOutcome[], timing: AlertTiming): Episode[] {
  const episodes: Episode[] = [];
  const staleAfter = timing.staleAfterDays ?? 3;
  let open: {
    start: string;
    trues: number;
    falses: number;
    firedOn: string | null;
    noData: number;
    stale: boolean;
    alertDays: number;
  } | null = null;
  for (const { date, outcome } of series) {
    if (outcome === 'insufficient_data') {
      if (open !== null && ++open.noData === staleAfter && open.firedOn !== null) open.stale = true;
      continue;
    }
    if (open !== null) {
      open.noData = 0;
      if (outcome === 'true') open.stale = false;
    }
    if (open === null) {
      if (outcome === 'true') {
        open = {
          start: date,
          trues: 0,
          falses: 0,
          firedOn: null,
          noData: 0,
          stale: false,
          alertDays: 0,
        };
      } else {
        continue;
      }
    }
    if (outcome === 'true') {
      open.trues += 1;
      open.falses = 0;
      if (open.firedOn === null && open.trues >= timing.forDays) {
        open.firedOn = date;
      }
    } else if (open.firedOn === null) {
      open = null;
    } else if (++open.falses >= timing.resolveAfterDays) {
      episodes.push({
        start: open.start,
        firedOn: open.firedOn,
        notifiedOn: open.firedOn,
        end: date,
        alertDays: open.alertDays,
      });
      open = null;
    }
    if (open?.firedOn != null && !open.stale) open.alertDays += 1;
  }
  if (open?.firedOn != null) {
    episodes.push({
      start: open.start,
      firedOn: open.firedOn,
      notifiedOn: open.firedOn,
      end: null,
      alertDays: open.alertDays,
    });
  }
  return episodes;
}

describe('replay and live stepping', () => {
  it('replay equals stepping day by day from stored state', () => {
    fc.assert(
      fc.property(arbitrarySeries, arbitraryTiming, (series, timing) => {
        expect(replayEpisodes(series, timing)).toEqual(liveEpisodes(series, timing));
      }),
      { numRuns: 300 },
    );
  });

  it('matches an independent statement of the streak rules when nothing is inhibited', () => {
    fc.assert(
      fc.property(arbitrarySeries, arbitraryTiming, (series, timing) => {
        const uninhibited = series.map((day) => ({ ...day, inhibited: false }));
        expect(replayEpisodes(uninhibited, timing)).toEqual(referenceEpisodes(uninhibited, timing));
      }),
      { numRuns: 300 },
    );
  });

  it('produces ordered, non-overlapping episodes', () => {
    fc.assert(
      fc.property(arbitrarySeries, arbitraryTiming, (series, timing) => {
        const episodes = replayEpisodes(series, timing);
        episodes.forEach((episode, i) => {
          expect(episode.start <= episode.firedOn).toBe(true);
          expect(episode.end === null || episode.firedOn < episode.end).toBe(true);
          const next = episodes[i + 1];
          expect(next === undefined || (episode.end !== null && episode.end < next.start)).toBe(
            true,
          );
        });
      }),
      { numRuns: 300 },
    );
  });
});
