import { cutPage } from './json-page';
import { atInstant, everyMinute, heartRatePoint, page } from './test-points';

/** A day of minute heart rates: about 600 KB of JSON. */
const dayOfHeartRate = (): unknown[] =>
  everyMinute(
    Date.UTC(2026, 2, 2),
    Date.UTC(2026, 2, 3),
    (t) => atInstant(t, -5),
    (m) => heartRatePoint(m, 60 + (m.epochMs % 40)),
  );

/** The page rebuilt from its cut: what JSON.parse of the whole would give. */
function rebuilt(text: string): unknown {
  const cut = cutPage(Buffer.from(text));
  if (cut === null) throw new Error('not cut');
  const points = cut.pieces.flatMap((piece) => JSON.parse(`[${piece}]`) as unknown[]);
  expect(cut.envelope.dataPoints).toEqual([]);
  return { ...cut.envelope, dataPoints: points };
}

describe('cutPage', () => {
  it('cuts a large page into pieces that together are its points', () => {
    const text = JSON.stringify(page(dayOfHeartRate(), 'next'));
    const cut = cutPage(Buffer.from(text));
    expect(cut?.pieces.length).toBeGreaterThan(4);
    expect(rebuilt(text)).toEqual(JSON.parse(text));
  });

  it('cuts an indented page the same way', () => {
    const text = JSON.stringify(page(dayOfHeartRate()), null, 2);
    expect(cutPage(Buffer.from(text))?.pieces.length).toBeGreaterThan(4);
    expect(rebuilt(text)).toEqual(JSON.parse(text));
  });

  it('keeps the envelope fields after the points', () => {
    const text = JSON.stringify({ dataPoints: dayOfHeartRate(), nextPageToken: 't', extra: {} });
    expect(cutPage(Buffer.from(text))?.envelope).toEqual({
      dataPoints: [],
      nextPageToken: 't',
      extra: {},
    });
  });

  it('leaves small, non-ASCII and differently laid out pages to JSON.parse', () => {
    const points = dayOfHeartRate();
    expect(cutPage(Buffer.from(JSON.stringify(page(points.slice(0, 100)))))).toBeNull();
    const accented = JSON.stringify(page(points)).replace('FITBIT', 'FITBÏT');
    expect(cutPage(Buffer.from(accented))).toBeNull();
    const tokenFirst = JSON.stringify({ nextPageToken: '', dataPoints: points });
    expect(cutPage(Buffer.from(tokenFirst))).toBeNull();
    // A second points field after the first (JSON.parse keeps the last one), even escaped.
    const twice = JSON.stringify({ dataPoints: points, nextPageToken: '', dataPoints2: {} });
    expect(cutPage(Buffer.from(twice))).toBeNull();
    const escaped = JSON.stringify(page(points)).replace(/}$/, ',"data\\u0050oints":{}}');
    expect(cutPage(Buffer.from(escaped))).toBeNull();
  });

  it('gives pieces that do not all parse when the text is not JSON', () => {
    const points = dayOfHeartRate();
    (points[700] as { heartRate: { beatsPerMinute: string } }).heartRate.beatsPerMinute = 'X';
    const broken = JSON.stringify(page(points)).replace('"X"', '"X');
    const cut = cutPage(Buffer.from(broken));
    expect(cut?.pieces.length).toBeGreaterThan(4);
    expect(() => cut?.pieces.forEach((piece) => JSON.parse(`[${piece}]`))).toThrow(SyntaxError);
    // Cut short, the last bracket is not the array's end: nothing to cut.
    expect(cutPage(Buffer.from(JSON.stringify(page(points)).slice(0, 300_000)))).toBeNull();
  });

  it('gives pieces that do not all parse when a later field holds the last bracket', () => {
    const points = dayOfHeartRate();
    const text = JSON.stringify({ dataPoints: points, nextPageToken: '', dataPoints2: [] });
    const cut = cutPage(Buffer.from(text.replace('dataPoints2', 'more')));
    expect(() => cut?.pieces.forEach((piece) => JSON.parse(`[${piece}]`))).toThrow(SyntaxError);
  });
});
