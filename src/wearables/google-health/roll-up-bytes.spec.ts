import fc from 'fast-check';
import { readRollUpBytes } from './roll-up-bytes';
import { parseRollUpPage, RollUpPage, RollUpQuery } from './roll-ups';

const START = Date.parse('2026-11-26T00:00:00Z');
const heartRate: RollUpQuery = {
  dataType: 'heart-rate',
  startTime: START,
  endTime: START + 4 * 60_000,
  windowSeconds: 60,
  pageSize: 10_000,
  dataSourceFamily: null,
};
const steps: RollUpQuery = { ...heartRate, dataType: 'steps' };
const iso = (ms: number): string => new Date(ms).toISOString().replace('.000Z', 'Z');

/** A page as Google lays it out (JSON.stringify writes no whitespace and keeps field order). */
function pageText(query: RollUpQuery, values: object[], nextPageToken?: string): string {
  const payloadKey = query.dataType === 'heart-rate' ? 'heartRate' : 'steps';
  const windows = values.map((value, k) => ({
    startTime: iso(query.startTime + k * 60_000),
    endTime: iso(query.startTime + (k + 1) * 60_000),
    [payloadKey]: value,
  }));
  return JSON.stringify({ rollupDataPoints: windows, nextPageToken });
}

const rates = (min: number, avg: number, max: number) => ({
  beatsPerMinuteMin: min,
  beatsPerMinuteAvg: avg,
  beatsPerMinuteMax: max,
});
const heartRatePage = pageText(heartRate, [
  rates(60, 61.5, 63),
  {},
  rates(58, 70, 91),
  rates(1, 1, 1),
]);
const stepsPage = pageText(steps, [{ countSum: '012' }, {}, { countSum: '0' }, { countSum: '7' }]);

function withoutWindow(text: string, index: number): string {
  const body = JSON.parse(text) as { rollupDataPoints: unknown[] };
  body.rollupDataPoints.splice(index, 1);
  return JSON.stringify(body);
}

/** The page as the usual parse reads it, or its error's message. */
function parsed(query: RollUpQuery, text: string): RollUpPage | string {
  try {
    return parseRollUpPage(query, JSON.parse(text), query.startTime);
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

/** Read from the bytes, which must then be what the usual parse reads; null when left to it. */
function fromBytes(query: RollUpQuery, text: string): RollUpPage | null {
  const page = readRollUpBytes(query, Buffer.from(text), query.startTime);
  if (page !== null) expect(page).toEqual(parsed(query, text));
  return page;
}

describe('roll-up pages read from their bytes', () => {
  it.each([
    ['heart rate', heartRate, heartRatePage],
    ['heart rate, figures kept', { ...heartRate, figures: true as const }, heartRatePage],
    ['steps', steps, stepsPage],
    ['steps, figures kept', { ...steps, figures: true as const }, stepsPage],
  ])('reads a page of %s as the usual parse does', (_name, query, text) => {
    expect(fromBytes(query, text)?.windows).toHaveLength(4);
  });

  it('reads a next page token, a number in any JSON spelling and a start spelled otherwise', () => {
    const first = { ...heartRate, endTime: START + 3 * 60_000 };
    const text = pageText(first, [rates(60, 61.5, 63), {}], 'p2');
    expect(fromBytes(first, text)?.nextPageToken).toBe('p2');
    const spelled = heartRatePage
      .replace('61.5', '6.15E1')
      .replace('"beatsPerMinuteMax":91', '"beatsPerMinuteMax":91.000')
      .replace(`"startTime":"${iso(START + 60_000)}"`, `"startTime":"2026-11-25T19:01:00-05:00"`);
    expect(fromBytes(heartRate, spelled)?.windows.map((w) => w.value)).toEqual([61.5, null, 70, 1]);
  });

  it.each([
    ['indented', JSON.stringify(JSON.parse(heartRatePage), null, 1)],
    [
      'with fields in another order',
      heartRatePage.replace('{"rollupDataPoints"', '{"x":1,"rollupDataPoints"'),
    ],
    [
      'with an escaped timestamp',
      heartRatePage.replace('"2026-11-26T00:00:00Z"', '"\\u0032026-11-26T00:00:00Z"'),
    ],
    [
      'with a rate as a string',
      heartRatePage.replace('"beatsPerMinuteMin":60', '"beatsPerMinuteMin":"60"'),
    ],
    ['with a count as a number', stepsPage.replace('"countSum":"7"', '"countSum":7')],
    ['with a token out of printable ASCII', pageText(steps, [{}], 'p\u00e92')],
  ])('leaves a page %s to the usual parse', (_name, text) => {
    const query = text.includes('countSum') || text.includes('steps') ? steps : heartRate;
    expect(readRollUpBytes(query, Buffer.from(text), query.startTime)).toBeNull();
  });

  it.each([
    ['a window out of order', heartRatePage.replace('00:01:00Z","endTime', '00:02:00Z","endTime')],
    [
      'a rate out of bounds',
      heartRatePage.replace('"beatsPerMinuteAvg":70', '"beatsPerMinuteAvg":99'),
    ],
    ['a gap between windows', withoutWindow(heartRatePage, 1)],
    ['a negative count', stepsPage.replace('"countSum":"7"', '"countSum":"-7"')],
    ['an answer cut short', heartRatePage.replace(/,\{[^{]*\{[^}]*\}\}\]/, ']')],
    ['no JSON', heartRatePage.slice(0, -1)],
  ])('leaves %s to the usual parse, which names it', (_name, text) => {
    const query = text.includes('countSum') ? steps : heartRate;
    expect(readRollUpBytes(query, Buffer.from(text), query.startTime)).toBeNull();
    expect(typeof parsed(query, text)).toBe('string');
  });

  it('reads each odd spelling, alone in a page, as the usual parse does', () => {
    const one = { ...heartRate, endTime: START + 60_000 };
    const page = (
      query: RollUpQuery,
      fields: { start?: string; end?: string; value?: string },
    ): [RollUpQuery, string] => {
      const start = fields.start ?? iso(query.startTime);
      const end = fields.end ?? iso(query.endTime);
      const key = query.dataType === 'steps' ? 'steps' : 'heartRate';
      const value = fields.value ?? '{}';
      return [
        query,
        `{"rollupDataPoints":[{"startTime":"${start}","endTime":"${end}","${key}":${value}}]}`,
      ];
    };
    const pages = [
      ...oddInstants(START).map((start) => page(one, { start })),
      ...oddInstants(START + 60_000).map((end) => page(one, { end })),
      // An end at 00:59 spelled as 01:-1.
      page(
        { ...one, startTime: START + 58 * 60_000, endTime: START + 59 * 60_000 },
        {
          end: '2026-11-26T01:-1:00Z',
        },
      ),
      // A window past the end of the range.
      page({ ...one, startTime: START + 60_000 }, { start: iso(START + 60_000) }),
      ...ODD_RATES.flatMap((odd) =>
        [0, 1, 2].map((k) => {
          const [min, avg, max] = ['60', '70', '80'].map((text, j) => (j === k ? odd : text));
          return page(one, {
            value: `{"beatsPerMinuteMin":${min},"beatsPerMinuteAvg":${avg},"beatsPerMinuteMax":${max}}`,
          });
        }),
      ),
      ...ODD_COUNTS.map((n) => page({ ...one, dataType: 'steps' }, { value: `{"countSum":${n}}` })),
    ];
    const accepted = pages.filter(([query, text]) => fromBytes(query, text) !== null);
    expect(accepted.length).toBeGreaterThan(10);
    expect(accepted.length).toBeLessThan(pages.length - 40);
  });

  it('reads any page it accepts, spelled any way, as the usual parse does', () => {
    let accepted = 0;
    let refused = 0;
    fc.assert(
      fc.property(page, ([query, text]) => {
        if (fromBytes(query, text) === null) refused++;
        else accepted++;
      }),
      { numRuns: 4000, seed: 17 },
    );
    // Both sides were exercised.
    expect(accepted).toBeGreaterThan(200);
    expect(refused).toBeGreaterThan(400);
  });

  it('reads any changed page it accepts as the usual parse does', () => {
    const alphabet = [...'0123456789-+.eEZztT:",{}[]\\ x', '\u00e9'];
    let accepted = 0;
    let refused = 0;
    fc.assert(
      fc.property(
        fc.constantFrom(heartRatePage, stepsPage),
        fc.boolean(),
        fc.array(
          fc.record({
            at: fc.nat(),
            remove: fc.nat({ max: 2 }),
            insert: fc.string({ unit: fc.constantFrom(...alphabet), maxLength: 2 }),
          }),
          { minLength: 1, maxLength: 3 },
        ),
        (page, figures, edits) => {
          let text = page;
          for (const { at, remove, insert } of edits) {
            const k = at % (text.length + 1);
            text = text.slice(0, k) + insert + text.slice(k + remove);
          }
          const query = {
            ...(page === stepsPage ? steps : heartRate),
            ...(figures ? { figures: true as const } : {}),
          };
          if (fromBytes(query, text) === null) refused++;
          else accepted++;
        },
      ),
      { numRuns: 3000, seed: 17 },
    );
    expect(accepted).toBeGreaterThan(50);
    expect(refused).toBeGreaterThan(2000);
  });
});

/** An instant spelled otherwise than Google does, validly or not. */
const oddInstants = (ms: number): string[] => [
  iso(ms).replace('T', 't').replace('Z', 'z'),
  iso(ms).replace('Z', '.000Z'),
  iso(ms).replace('Z', '.Z'),
  iso(ms).replace('Z', '+00:00'),
  iso(ms).replace('Z', ''),
  new Date(ms - 5 * 3_600_000).toISOString().replace('.000Z', '-05:00'),
  iso(ms - 60_000).replace(/:00Z$/, ':60Z'),
  iso(ms - 3_600_000).replace(/T(\d\d):00:00Z$/, 'T$1:60:00Z'),
  iso(ms - 86_400_000).replace('T00', 'T24'),
  iso(ms + 3_600_000).replace(/:\d\d:00Z$/, ':-1:00Z'),
  iso(ms).replace('T00', 'T-1'),
  iso(ms).replace('2026-11-26', '2026-11-31'),
  iso(ms).replace('2026', '0000'),
  iso(ms).replace('2026', '2o26'),
  `\\u0032${iso(ms).slice(1)}`,
  ` ${iso(ms)}`,
  '',
];

/** An instant as Google writes it, mostly. */
const instant = (ms: number): fc.Arbitrary<string> =>
  fc.oneof(
    { weight: 8, arbitrary: fc.constant(iso(ms)) },
    { weight: 4, arbitrary: fc.constantFrom(...oddInstants(ms)) },
  );

/** Where a number is expected: numbers in every spelling, and what is none. */
const ODD_RATES = [
  '61.5',
  '6.15e1',
  '6.15E+1',
  '615e-1',
  '61.50',
  '-0',
  '-61',
  '0',
  '0.0',
  '01',
  '1.',
  '.5',
  '1e',
  '1e400',
  '123456789012345678',
  '"60"',
  'null',
  '60 ',
  'true',
];

/** Minimum, mean and maximum, in order mostly, one of them sometimes spelled oddly. */
const rate = fc
  .tuple(
    fc.array(fc.integer({ min: 1, max: 220 }), { minLength: 3, maxLength: 3 }),
    fc.boolean(),
    fc.nat({ max: 3 }),
    fc.constantFrom(...ODD_RATES),
  )
  .map(([values, sorted, odd, spelled]) => {
    const texts = (sorted ? [...values].sort((a, b) => a - b) : values).map(String);
    if (odd < 3) texts[odd] = spelled;
    return texts;
  });

/** Where a count is expected. */
const ODD_COUNTS = [
  '"007"',
  '""',
  '"-7"',
  '"+7"',
  '"7.0"',
  '"7 "',
  '"7}',
  '"123456789012345"',
  '"1234567890123456"',
  '"9007199254740993"',
  '"12345678901234567"',
  '7',
  'null',
];

const count = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 0, max: 300 }).map((n) => `"${n}"`) },
  { weight: 4, arbitrary: fc.constantFrom(...ODD_COUNTS) },
);

const rateFields = fc.oneof(
  {
    weight: 8,
    arbitrary: fc
      .tuple(rate)
      .map(
        ([[min, avg, max]]) =>
          `{"beatsPerMinuteMin":${min},"beatsPerMinuteAvg":${avg},"beatsPerMinuteMax":${max}}`,
      ),
  },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      '{}',
      '{"beatsPerMinuteAvg":61,"beatsPerMinuteMin":60,"beatsPerMinuteMax":62}',
      '{"beatsPerMinuteMin":60,"beatsPerMinuteAvg":61}',
      '{"beatsPerMinuteMin":60,"beatsPerMinuteAvg":61,"beatsPerMinuteMax":62,"x":1}',
      'null',
    ),
  },
);

const stepCount = fc.oneof(
  { weight: 8, arbitrary: count.map((n) => `{"countSum":${n}}`) },
  {
    weight: 2,
    arbitrary: fc.constantFrom('{}', '{"countSum":"1","x":1}', '{"count":"1"}', 'null'),
  },
);

/** A query and a page for it, each window's fields spelled one way or another, some windows missing. */
const page: fc.Arbitrary<[RollUpQuery, string]> = fc
  .record({
    steps: fc.boolean(),
    figures: fc.boolean(),
    windows: fc.integer({ min: 0, max: 4 }),
    missing: fc.constantFrom(0, 0, 0, 1),
    token: fc.constantFrom(
      '',
      '',
      ',"nextPageToken":""',
      ',"nextPageToken":"p2"',
      ',"nextPageToken":"p\\"2"',
      ',"nextPageToken":7',
    ),
    after: fc.constantFrom('', '', ' \n', 'x'),
  })
  .chain((shape) => {
    const query: RollUpQuery = {
      ...(shape.steps ? steps : heartRate),
      endTime: START + (shape.windows + shape.missing) * 60_000,
      ...(shape.figures ? { figures: true as const } : {}),
    };
    const windows = Array.from({ length: shape.windows }, (_, k) =>
      fc
        .tuple(
          instant(START + k * 60_000),
          instant(START + (k + 1) * 60_000),
          shape.steps ? stepCount : rateFields,
        )
        .map(
          ([start, end, value]) =>
            `{"startTime":"${start}","endTime":"${end}","${shape.steps ? 'steps' : 'heartRate'}":${value}}`,
        ),
    );
    return fc
      .tuple(...windows)
      .map((texts): [RollUpQuery, string] => [
        query,
        `{"rollupDataPoints":[${texts.join(',')}]${shape.token}}${shape.after}`,
      ]);
  });
