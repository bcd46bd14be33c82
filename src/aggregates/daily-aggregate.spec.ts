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
