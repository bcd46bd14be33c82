import { GOOGLE_HEALTH_SCOPES, REQUESTED_SCOPES } from '../wearables/google-health/scopes';
import { CHART_METRICS } from '../aggregates/daily-aggregate';
import { dataTypesFor } from './data-needs';
import {
  completeThrough,
  historyAfter,
  planSync,
  PlanInput,
  rangeFilter,
  Reread,
  widenReread,
} from './sync-plan';

const NOW = Date.parse('2026-11-28T15:00:00Z');
const base: PlanInput = {
  now: NOW,
  timeZone: 'America/New_York',
  cursorDate: null,
  rereadFrom: null,
  rereadDataTypes: null,
  grantedScopes: REQUESTED_SCOPES,
  unavailable: new Set(),
  history: null,
  needed: dataTypesFor([...CHART_METRICS, 'wearMinutes']),
  backfillDays: 60,
  rereadDays: 3,
  intraday: 'list',
  rereadSpentOn: null,
  deviceSyncNeeded: false,
};
const rollUps: PlanInput = { ...base, intraday: 'roll-up' };

describe('planSync', () => {
  it('backfills BACKFILL_DAYS in 14-day chunks for dense types, sparse types in one request', () => {
    const plan = planSync(base);
    expect(plan).toMatchObject({ kind: 'backfill', from: '2026-09-30', to: '2026-11-28' });
    expect(plan.chunks.map((c) => c.dates.length)).toEqual([14, 14, 14, 14, 4]);
    expect(plan.chunks.flatMap((c) => c.dates)).toHaveLength(60);
    expect(plan.chunks[0].requests.map((r) => r.dataType)).toEqual(['heart-rate', 'steps']);
    expect(plan.wholeRange.map((r) => r.dataType)).toEqual([
      'daily-resting-heart-rate',
      'daily-heart-rate-variability',
      'daily-oxygen-saturation',
      'sleep',
      'weight',
    ]);
    // 5 chunks x 2 dense + 5 sparse: the fewest list calls the range caps allow.
    expect(plan.chunks.flatMap((c) => c.requests).length + plan.wholeRange.length).toBe(15);
    // Every list asks for the largest page its type allows.
    expect(plan.chunks[0].requests.map((r) => r.pageSize)).toEqual([10_000, 10_000]);
  });

  it('reads list chunks without overlap: each starts where the last ended, the evening before carried', () => {
    const plan = planSync(base);
    const ranges = plan.chunks.map((c) => {
      const r = c.requests[0];
      if (r.method !== 'list') throw new Error('expected a list');
      return r.filter.match(/"([^"]+)"/g)?.map((t) => Date.parse(t.slice(1, -1))) as number[];
    });
    for (let i = 1; i < ranges.length; i++) {
      expect(ranges[i][0]).toBe(ranges[i - 1][1]);
      // The chunk's days (and their evening before) start inside what the last chunk read.
      expect(plan.chunks[i].contextFrom).toBeLessThan(ranges[i][0]);
      expect(plan.chunks[i].contextFrom).toBeGreaterThanOrEqual(ranges[i - 1][0]);
    }
  });

  it('rolls up heart rate and steps over exact local days, 13 at a time, in pages of 10,000 minutes', () => {
    const plan = planSync(rollUps);
    expect(plan.chunks.map((c) => c.dates.length)).toEqual([13, 13, 13, 13, 8]);
    const [hr, steps] = plan.chunks[0].requests;
    expect(hr).toMatchObject({ method: 'rollUp', dataType: 'heart-rate', windowSeconds: 60 });
    expect(steps).toMatchObject({ method: 'rollUp', dataType: 'steps', pageSize: 10_000 });
    if (hr.method !== 'rollUp') throw new Error('expected a roll-up');
    // New York midnight of the first day (EDT, -4 h), minus the evening before.
    expect(new Date(hr.startTime).toISOString()).toBe('2026-09-29T16:00:00.000Z');
    const ends: number[] = [];
    for (const chunk of plan.chunks) {
      const r = chunk.requests[0];
      if (r.method !== 'rollUp') throw new Error('expected a roll-up');
      if (ends.length > 0) expect(r.startTime).toBe(ends[ends.length - 1]);
      // Under the 14-day cap, and at most two pages of minute windows.
      expect(r.endTime - r.startTime).toBeLessThanOrEqual(14 * 86_400_000);
      expect((r.endTime - r.startTime) / 60_000).toBeLessThanOrEqual(20_000);
      ends.push(r.endTime);
    }
    // The last chunk ends at the whole minute after now and 15 minutes (a tracker's clock
    // may run ahead), not at the local midnight after today: later windows hold nothing.
    expect(new Date(ends[ends.length - 1]).toISOString()).toBe('2026-11-28T15:16:00.000Z');
    // Heart rate: 10 pages over 60 days and the evening before; the sparse types by list.
    expect(plan.wholeRange.every((r) => r.method === 'list')).toBe(true);
  });

  it('an incremental roll-up asks for its local days and the evening before, nothing more', () => {
    const plan = planSync({ ...rollUps, cursorDate: '2026-11-27' });
    const r = plan.chunks[0].requests[0];
    if (r.method !== 'rollUp') throw new Error('expected a roll-up');
    // 5 local days (24..28) and 12 hours up to now (10:00 in New York) and 16 minutes:
    // 4.93 days, where the list asked 6.67.
    expect(new Date(r.startTime).toISOString()).toBe('2026-11-23T17:00:00.000Z');
    expect(new Date(r.endTime).toISOString()).toBe('2026-11-28T15:16:00.000Z');
  });

  it("a roll-up ends at the day's end when that comes before now and 15 minutes", () => {
    const lateEvening = Date.parse('2026-11-29T04:50:00Z'); // 23:50 in New York
    const plan = planSync({
      ...rollUps,
      now: lateEvening,
      cursorDate: '2026-11-27',
      rereadSpentOn: '2026-11-28',
    });
    expect(plan.from).toBe('2026-11-28');
    for (const r of plan.chunks[0].requests) {
      if (r.method !== 'rollUp') throw new Error('expected a roll-up');
      expect(new Date(r.startTime).toISOString()).toBe('2026-11-27T17:00:00.000Z');
      expect(new Date(r.endTime).toISOString()).toBe('2026-11-29T05:00:00.000Z');
    }
  });

  it('spends the re-read once a local day; later syncs read from the day after the cursor', () => {
    const first = planSync({ ...base, cursorDate: '2026-11-27' });
    expect(first).toMatchObject({ from: '2026-11-24', reread: true, readDevice: true });
    const later = planSync({ ...base, cursorDate: '2026-11-27', rereadSpentOn: '2026-11-28' });
    expect(later).toMatchObject({ from: '2026-11-28', reread: false, readDevice: false });
    // A webhook's range is read whenever it comes.
    expect(
      planSync({
        ...base,
        cursorDate: '2026-11-27',
        rereadSpentOn: '2026-11-28',
        rereadFrom: '2026-11-20',
      }).from,
    ).toBe('2026-11-20');
    // The next local day spends it again.
    expect(
      planSync({ ...base, cursorDate: '2026-11-27', rereadSpentOn: '2026-11-27' }).reread,
    ).toBe(true);
  });

  it('reads pairedDevices on every sync only when a rule reads the device sync', () => {
    const later = { ...base, cursorDate: '2026-11-27', rereadSpentOn: '2026-11-28' };
    expect(planSync(later).readDevice).toBe(false);
    expect(planSync({ ...later, deviceSyncNeeded: true }).readDevice).toBe(true);
  });

  it('re-reads from the last complete day minus REREAD_DAYS up to today', () => {
    const plan = planSync({ ...base, cursorDate: '2026-11-27' });
    expect(plan).toMatchObject({ kind: 'incremental', from: '2026-11-24', to: '2026-11-28' });
    expect(plan.chunks).toHaveLength(1);
    expect(plan.chunks[0].dates).toEqual([
      '2026-11-24',
      '2026-11-25',
      '2026-11-26',
      '2026-11-27',
      '2026-11-28',
    ]);
  });

  it('reaches back to a webhook date, never past the backfill horizon', () => {
    expect(planSync({ ...base, cursorDate: '2026-11-27', rereadFrom: '2026-11-10' }).from).toBe(
      '2026-11-10',
    );
    expect(planSync({ ...base, cursorDate: '2026-01-01' }).from).toBe('2026-09-30');
  });

  it("checks the day's re-read by quarter-hour roll-ups, and reads minutes only from the day it names", () => {
    const dayFirst = { ...rollUps, cursorDate: '2026-11-27', history: null };
    const plan = planSync(dayFirst);
    // The re-read days and the evening before the first, up to yesterday: New York's
    // midnights (EST), in quarter hours, one request per type.
    expect(plan).toMatchObject({ from: '2026-11-24', partial: null });
    const query = (dataType: string) => ({
      dataType,
      startTime: Date.parse('2026-11-23T05:00:00Z'),
      endTime: Date.parse('2026-11-28T05:00:00Z'),
      windowSeconds: 900,
      pageSize: 10_000,
      dataSourceFamily: 'users/me/dataSourceFamilies/google-wearables',
      figures: true,
    });
    expect(plan.minutesCheck).toEqual({
      from: '2026-11-23',
      through: '2026-11-27',
      dataTypes: ['heart-rate', 'steps'],
      queries: [query('heart-rate'), query('steps')],
    });
    const narrowed = planSync({ ...dayFirst, minutesFrom: '2026-11-27' });
    expect(narrowed.partial).toEqual({
      through: '2026-11-26',
      dataTypes: expect.not.arrayContaining(['heart-rate', 'steps']) as unknown,
    });
    expect(narrowed.partial?.dataTypes).toContain('sleep');
    // The sparse lists are the same: they were read before the check decided.
    expect(narrowed.wholeRange).toEqual(plan.wholeRange);
    expect(narrowed.chunks.flatMap((c) => c.dates)).toEqual(plan.chunks.flatMap((c) => c.dates));
    // Minutes from the changed day's evening before (New York, EST), through today.
    for (const r of narrowed.chunks.flatMap((c) => c.requests)) {
      if (r.method !== 'rollUp') throw new Error('expected a roll-up');
      expect(new Date(r.startTime).toISOString()).toBe('2026-11-26T17:00:00.000Z');
    }
    // Nothing changed: today's minutes only.
    expect(planSync({ ...dayFirst, minutesFrom: '2026-11-28' }).partial?.through).toBe(
      '2026-11-27',
    );
    // No check: later syncs, a backfill, list reads, active minutes (no fingerprint), a webhook's earlier days.
    expect(planSync({ ...dayFirst, rereadSpentOn: '2026-11-28' }).minutesCheck).toBeNull();
    expect(planSync({ ...dayFirst, cursorDate: null }).minutesCheck).toBeNull();
    expect(planSync({ ...dayFirst, intraday: 'list' }).minutesCheck).toBeNull();
    expect(
      planSync({ ...dayFirst, needed: [...dayFirst.needed, 'active-minutes'] }).minutesCheck,
    ).toBeNull();
    const webhook = { ...dayFirst, rereadFrom: '2026-11-10', rereadDataTypes: ['weight'] };
    expect(planSync(webhook).minutesCheck).toBeNull();
    expect(planSync({ ...webhook, minutesFrom: '2026-11-27' }).partial).toEqual(
      planSync(webhook).partial,
    );
    // A device silent for weeks: beyond heart rate's 14-day range, the minutes are read.
    expect(planSync({ ...dayFirst, cursorDate: '2026-11-15' }).minutesCheck).toBeNull();
    expect(planSync({ ...dayFirst, cursorDate: '2026-11-18' }).minutesCheck?.from).toBe(
      '2026-11-14',
    );
    // The range is physical: 14 local days across the fall-back are 14 days and an hour.
    const november = { ...dayFirst, now: Date.parse('2026-11-08T17:00:00Z') };
    expect(planSync({ ...november, cursorDate: '2026-10-29' }).minutesCheck).toBeNull();
    expect(planSync({ ...november, cursorDate: '2026-10-30' }).minutesCheck?.from).toBe(
      '2026-10-26',
    );
  });

  describe("a roll-up's first day reads its first night, once the sleep list is known", () => {
    const later = { ...rollUps, cursorDate: '2026-11-27', rereadSpentOn: '2026-11-28' };
    const starts = (input: PlanInput): string[] =>
      planSync(input).chunks[0].requests.map((r) => {
        if (r.method !== 'rollUp') throw new Error('expected a roll-up');
        return new Date(r.startTime).toISOString();
      });

    it('from the sleep that ends on it, 10 minutes before for the still minutes', () => {
      // New York midnight is 05:00Z; the night began 22:37:20 EST (03:37:20Z).
      const nightStarts = new Map([['2026-11-28', Date.parse('2026-11-28T03:37:20Z')]]);
      expect(starts({ ...later, nightStarts })).toEqual([
        '2026-11-28T03:27:00.000Z',
        '2026-11-28T03:27:00.000Z',
      ]);
      // Without the sleep list, the 12 hours before midnight.
      expect(starts(later)[0]).toBe('2026-11-27T17:00:00.000Z');
    });

    it('without a night, from 10 minutes before midnight or the UTC hour that holds it', () => {
      const empty = new Map<string, number>();
      // A sleep ending on another day does not count; one starting after midnight neither.
      const otherDay = new Map([
        ['2026-11-27', Date.parse('2026-11-27T03:00:00Z')],
        ['2026-11-29', Date.parse('2026-11-29T01:00:00Z')],
      ]);
      expect(starts({ ...later, nightStarts: empty })[0]).toBe('2026-11-28T04:50:00.000Z');
      expect(starts({ ...later, nightStarts: otherDay })[0]).toBe('2026-11-28T04:50:00.000Z');
      const afterMidnight = new Map([['2026-11-28', Date.parse('2026-11-28T06:30:00Z')]]);
      expect(starts({ ...later, nightStarts: afterMidnight })[0]).toBe('2026-11-28T04:50:00.000Z');
      // Kolkata (+05:30): midnight is 18:30Z; the day's first quiet hour starts at 18:00Z.
      const kolkata = { ...later, timeZone: 'Asia/Kolkata', nightStarts: empty };
      expect(starts(kolkata)[0]).toBe('2026-11-27T18:00:00.000Z');
    });

    it('at most 22 hours before midnight, so a chunk stays under the 14-day cap', () => {
      const long = new Map([['2026-11-28', Date.parse('2026-11-26T20:00:00Z')]]);
      expect(starts({ ...later, nightStarts: long })[0]).toBe('2026-11-27T07:00:00.000Z');
      // A backfill's first chunk: 13 days (EDT, midnight 04:00Z) and 22 hours.
      const first = new Map([['2026-09-30', Date.parse('2026-09-28T12:00:00Z')]]);
      const [heartRate] = planSync({ ...rollUps, nightStarts: first }).chunks[0].requests;
      if (heartRate.method !== 'rollUp') throw new Error('expected a roll-up');
      expect(new Date(heartRate.startTime).toISOString()).toBe('2026-09-29T06:00:00.000Z');
      expect(heartRate.endTime - heartRate.startTime).toBeLessThan(14 * 86_400_000);
    });

    it("a backfill's later chunk carries its first night from the chunk before", () => {
      const backfill = { ...rollUps, nightStarts: new Map<string, number>() };
      const plan = planSync(backfill);
      const second = plan.chunks[1];
      // 2026-10-13 is its first day (EDT, midnight 04:00Z); no sleep: 10 minutes before.
      expect(second.dates[0]).toBe('2026-10-13');
      expect(new Date(second.contextFrom).toISOString()).toBe('2026-10-13T03:50:00.000Z');
      const night = new Map([['2026-10-13', Date.parse('2026-10-13T01:15:30Z')]]);
      expect(
        new Date(planSync({ ...backfill, nightStarts: night }).chunks[1].contextFrom).toISOString(),
      ).toBe('2026-10-13T01:05:00.000Z');
    });
  });

  it("re-reads a webhook's older days only for the type it named and those read with it", () => {
    const later = { ...rollUps, cursorDate: '2026-11-27', rereadSpentOn: '2026-11-28' };
    const weight = planSync({ ...later, rereadFrom: '2026-11-18', rereadDataTypes: ['weight'] });
    expect(weight).toMatchObject({
      from: '2026-11-18',
      partial: { through: '2026-11-27', dataTypes: ['weight'] },
    });
    const filters = Object.fromEntries(
      weight.wholeRange.map((r) => [r.dataType, r.method === 'list' ? r.filter : '']),
    );
    expect(filters.weight).toBe(rangeFilter('weight', '2026-11-18', '2026-11-28'));
    expect(filters.sleep).toBe(rangeFilter('sleep', '2026-11-28', '2026-11-28'));
    // Heart rate and steps: today only, from its evening before (New York, EST).
    const dense = weight.chunks.flatMap((c) => c.requests);
    expect(dense.map((r) => r.dataType)).toEqual(['heart-rate', 'steps']);
    for (const r of dense) {
      if (r.method !== 'rollUp') throw new Error('expected a roll-up');
      expect(new Date(r.startTime).toISOString()).toBe('2026-11-27T17:00:00.000Z');
    }
    // Late steps change the resting estimate: heart rate and sleep are read with them.
    const steps = planSync({ ...later, rereadFrom: '2026-11-18', rereadDataTypes: ['steps'] });
    expect(steps.partial?.dataTypes).toEqual(['heart-rate', 'steps', 'sleep']);
    const first = steps.chunks[0].requests[0];
    if (first.method !== 'rollUp') throw new Error('expected a roll-up');
    expect(new Date(first.startTime).toISOString()).toBe('2026-11-17T17:00:00.000Z');
    // Naming a type nothing needs costs nothing.
    expect(
      planSync({ ...later, rereadFrom: '2026-11-18', rereadDataTypes: ['daily-respiratory-rate'] }),
    ).toMatchObject({ from: '2026-11-28', partial: null });
    // A notification naming no type re-reads every type, whole days.
    const every = planSync({ ...later, rereadFrom: '2026-11-18', rereadDataTypes: null });
    expect(every).toMatchObject({ from: '2026-11-18', partial: null });
    expect(
      every.wholeRange.every((r) => r.method === 'list' && r.filter.includes('2026-11-1')),
    ).toBe(true);
  });

  it('widens a stored re-read by the next webhook: earliest date, named types together', () => {
    const none: Reread = { rereadFrom: null, rereadDataTypes: null };
    const weight = widenReread(none, '2026-11-20', 'weight');
    expect(weight).toEqual({ rereadFrom: '2026-11-20', rereadDataTypes: 'weight' });
    expect(widenReread(weight, '2026-11-22', 'sleep')).toEqual({
      rereadFrom: '2026-11-20',
      rereadDataTypes: 'sleep weight',
    });
    expect(widenReread(weight, '2026-11-18', 'weight').rereadFrom).toBe('2026-11-18');
    // Not named, or a name Vigil does not know: every type.
    expect(widenReread(weight, '2026-11-22', null).rereadDataTypes).toBeNull();
    expect(widenReread(weight, '2026-11-22', 'blood-glucose').rereadDataTypes).toBeNull();
    expect(
      widenReread({ rereadFrom: '2026-11-20', rereadDataTypes: null }, '2026-11-21', 'weight'),
    ).toEqual({ rereadFrom: '2026-11-20', rereadDataTypes: null });
  });

  it('skips what was not granted or was refused, and says why', () => {
    const plan = planSync({
      ...base,
      grantedScopes: [GOOGLE_HEALTH_SCOPES.activity, GOOGLE_HEALTH_SCOPES.sleep],
      unavailable: new Set(['sleep']),
    });
    expect(plan.dataTypes).toEqual(['steps']);
    expect(plan.skipped).toContainEqual({ dataType: 'sleep', reason: 'unavailable' });
    expect(plan.skipped).toContainEqual({ dataType: 'heart-rate', reason: 'not-granted' });
  });

  it('backfills when a needed type has no history in the stored days (a rule newly switched on)', () => {
    const charts = planSync(base).dataTypes;
    const later = { ...base, cursorDate: '2026-11-27', history: new Set(charts) };
    expect(planSync(later)).toMatchObject({ kind: 'incremental', from: '2026-11-24' });
    const breathing = { ...later, needed: [...base.needed, 'daily-respiratory-rate' as const] };
    expect(planSync(breathing)).toMatchObject({ kind: 'backfill', from: '2026-09-30' });
    // Rows from before history was kept: taken as complete, no mass backfill on upgrade.
    expect(planSync({ ...breathing, history: null }).kind).toBe('incremental');
    // A type no longer needed does not force anything.
    expect(planSync({ ...later, needed: base.needed.filter((t) => t !== 'weight') }).kind).toBe(
      'incremental',
    );
  });

  it("polls a type that never delivered once a day, by the day's first sync, and keeps its history", () => {
    const history = new Set(planSync(base).dataTypes);
    const incremental = { ...base, cursorDate: '2026-11-27', history };
    const silent = (lastSuccessAt: string) => ({
      ...incremental,
      silent: { dataTypes: new Set(['weight']), lastSuccessAt: Date.parse(lastSuccessAt) },
    });
    // 15:00Z is 10:00 in New York: a sync at 06:00 local was today's, one at 23:00 yesterday's.
    const again = planSync(silent('2026-11-28T11:00:00Z'));
    expect(again.dataTypes).not.toContain('weight');
    expect(again.skipped).toEqual([{ dataType: 'weight', reason: 'silent' }]);
    expect(historyAfter(again, history, new Set())).toContain('weight');
    expect(planSync(silent('2026-11-28T04:00:00Z')).dataTypes).toContain('weight');
    // A backfill the same day (a rule switched on) keeps it too, or every sync would backfill.
    const backfill = planSync({ ...silent('2026-11-28T11:00:00Z'), cursorDate: null });
    expect(historyAfter(backfill, history, new Set())).toContain('weight');
  });

  it('keeps as history what a backfill read, and only what an incremental sync read again', () => {
    const backfill = planSync(base);
    expect(historyAfter(backfill, new Set(['weight']), new Set(['sleep']))).toEqual(
      backfill.dataTypes.filter((t) => t !== 'sleep'),
    );
    const incremental = planSync({
      ...base,
      cursorDate: '2026-11-27',
      history: new Set(backfill.dataTypes),
      needed: base.needed.filter((t) => t !== 'weight'),
    });
    const after = historyAfter(incremental, new Set(backfill.dataTypes), new Set());
    // Weight was not read: the re-read days lost it, so its history is no longer whole.
    expect(after).not.toContain('weight');
    expect(after).toEqual(backfill.dataTypes.filter((t) => t !== 'weight'));
    expect(historyAfter(incremental, null, new Set())).toEqual(incremental.dataTypes);
  });

  it('asks for Fitbit devices only where Google allows it; weight keeps manual entries', () => {
    const plan = planSync(base);
    const family = (type: string) =>
      [...plan.wholeRange, ...plan.chunks[0].requests].find((r) => r.dataType === type)
        ?.dataSourceFamily;
    expect(family('heart-rate')).toBe('users/me/dataSourceFamilies/google-wearables');
    expect(family('sleep')).toBeNull();
    expect(family('weight')).toBeNull();
    expect(plan.wholeRange.find((r) => r.dataType === 'sleep')?.pageSize).toBe(25);
  });
});

describe('rangeFilter', () => {
  it('uses dates for daily types and a UTC window wide enough for any offset otherwise', () => {
    expect(rangeFilter('daily-resting-heart-rate', '2026-11-24', '2026-11-28')).toBe(
      'daily_resting_heart_rate.date >= "2026-11-24" AND daily_resting_heart_rate.date < "2026-11-29"',
    );
    // The evening before the first day is read as context for the night's resting estimate.
    expect(rangeFilter('heart-rate', '2026-11-24', '2026-11-28')).toBe(
      'heart_rate.sample_time.physical_time >= "2026-11-22T22:00:00Z" AND heart_rate.sample_time.physical_time < "2026-11-29T14:00:00Z"',
    );
    expect(rangeFilter('sleep', '2026-11-24', '2026-11-24')).toBe(
      'sleep.interval.end_time >= "2026-11-23T10:00:00Z" AND sleep.interval.end_time < "2026-11-25T14:00:00Z"',
    );
  });
});

describe('local days', () => {
  it('calls a day complete once the device synced after it; the cursor never goes back', () => {
    const tz = 'UTC';
    expect(completeThrough(NOW, tz, null, null)).toBe('2026-11-27');
    expect(completeThrough(NOW, tz, Date.parse('2026-11-20T08:00:00Z'), null)).toBe('2026-11-19');
    expect(completeThrough(NOW, tz, Date.parse('2026-11-20T08:00:00Z'), '2026-11-25')).toBe(
      '2026-11-25',
    );
  });
});
