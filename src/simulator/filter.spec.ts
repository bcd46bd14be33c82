import { DATA_TYPES } from './data-types';
import { candidateDateRange, FilterError, matchesFilter, parseFilter } from './filter';

const point = {
  startMs: Date.parse('2026-11-27T10:00:00Z'),
  endMs: Date.parse('2026-11-27T10:01:00Z'),
  civilStart: '2026-11-27T02:00:00',
  civilEnd: '2026-11-27T02:01:00',
  date: '2026-11-27',
};

describe('AIP-160 filter subset', () => {
  it('parses the fields Vigil sends for each kind of data type', () => {
    const cases: Array<[keyof typeof DATA_TYPES, string]> = [
      [
        'daily-resting-heart-rate',
        'daily_resting_heart_rate.date >= "2026-11-20" AND daily_resting_heart_rate.date < "2026-11-28"',
      ],
      ['heart-rate', 'heart_rate.sample_time.physical_time >= "2026-11-27T00:00:00Z"'],
      [
        'heart-rate',
        'heart_rate.sample_time.civil_time >= "2026-11-27" AND heart_rate.sample_time.civil_time < "2026-11-27T12:00:00"',
      ],
      [
        'steps',
        'steps.interval.start_time >= "2026-11-27T00:00:00-08:00" AND steps.interval.start_time < "2026-11-28T00:00:00.5Z"',
      ],
      ['steps', 'steps.interval.civil_start_time >= "2026-11-27"'],
      [
        'sleep',
        'sleep.interval.civil_end_time >= "2026-11-25" AND sleep.interval.civil_end_time < "2026-11-28"',
      ],
      [
        'sleep',
        'sleep.interval.end_time >= "2026-11-25T00:00:00Z" OR sleep.interval.end_time < "2026-01-01T00:00:00Z"',
      ],
      ['weight', 'weight.sample_time.physical_time >= "2026-11-01T00:00:00Z"'],
    ];
    for (const [type, filter] of cases)
      expect(() => parseFilter(filter, DATA_TYPES[type])).not.toThrow();
  });

  it.each([
    ['heart_rate.sample_time.physical_time > "2026-11-27T00:00:00Z"', 'operator'],
    ['heart_rate.sample_time.physical_time >= "2026-11-27"', 'RFC 3339'],
    ['heart_rate.sample_time.physical_time >= 2026', 'parse'],
    ['steps.interval.start_time >= "2026-11-27T00:00:00Z"', 'Unsupported filter field'],
    [
      'heart_rate.sample_time.physical_time >= "2026-11-27T00:00:00Z" OR heart_rate.sample_time.physical_time < "2026-11-28T00:00:00Z"',
      'OR',
    ],
    ['heart_rate.sample_time.physical_time >= "2026-11-27T00:00:00Z', 'Unterminated'],
    ['heart_rate.sample_time.civil_time >= "2026-02-30"', 'civil'],
    ['(heart_rate.sample_time.physical_time >= "2026-11-27T00:00:00Z")', 'parse'],
  ])('rejects %s', (filter, message) => {
    expect(() => parseFilter(filter, DATA_TYPES['heart-rate'])).toThrow(FilterError);
    expect(() => parseFilter(filter, DATA_TYPES['heart-rate'])).toThrow(message);
  });

  it('matches half-open ranges on physical, civil and date fields', () => {
    const hr = DATA_TYPES['heart-rate'];
    expect(
      matchesFilter(
        parseFilter('heart_rate.sample_time.physical_time >= "2026-11-27T10:00:00Z"', hr),
        point,
      ),
    ).toBe(true);
    expect(
      matchesFilter(
        parseFilter('heart_rate.sample_time.physical_time < "2026-11-27T10:00:00Z"', hr),
        point,
      ),
    ).toBe(false);
    expect(
      matchesFilter(parseFilter('heart_rate.sample_time.civil_time >= "2026-11-27"', hr), point),
    ).toBe(true);
    expect(
      matchesFilter(
        parseFilter('heart_rate.sample_time.civil_time < "2026-11-27T02:00:00"', hr),
        point,
      ),
    ).toBe(false);
    const daily = DATA_TYPES['daily-oxygen-saturation'];
    expect(
      matchesFilter(parseFilter('daily_oxygen_saturation.date < "2026-11-28"', daily), point),
    ).toBe(true);
    expect(matchesFilter(parseFilter('', daily), point)).toBe(true);
  });

  it('derives the local dates worth generating, widened by a day for instants', () => {
    const hr = DATA_TYPES['heart-rate'];
    expect(
      candidateDateRange(
        parseFilter(
          'heart_rate.sample_time.physical_time >= "2026-11-27T00:00:00Z" AND heart_rate.sample_time.physical_time < "2026-11-28T00:00:00Z"',
          hr,
        ),
      ),
    ).toEqual({ from: '2026-11-26', to: '2026-11-29' });
    const sleep = DATA_TYPES.sleep;
    expect(
      candidateDateRange(parseFilter('sleep.interval.civil_end_time >= "2026-11-25"', sleep)),
    ).toEqual({
      from: '2026-11-25',
      to: undefined,
    });
  });
});
