import { NUMERIC_METRICS } from './daily-aggregate';

describe('NUMERIC_METRICS', () => {
  it('gives every metric a unit and a label', () => {
    for (const [name, m] of Object.entries(NUMERIC_METRICS)) {
      expect({ name, unit: m.unit.length > 0, label: m.label.length > 0 }).toEqual({
        name,
        unit: true,
        label: true,
      });
    }
  });
});

describe('the SpO2 lower bound', () => {
  it('is labelled as the confidence bound it is, not as the lowest reading', () => {
    expect(NUMERIC_METRICS.spo2Lower.label).toBe('oxygen saturation, lower confidence bound');
    expect(NUMERIC_METRICS.spo2Lower.label).not.toMatch(/lowest|minimum/i);
  });
});
