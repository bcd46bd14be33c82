import type { MetricChart } from './chart-series';
import { chartDescription, jsonBlock } from './patient-page.view';

describe('patient page view', () => {
  it('keeps data blocks from closing their script element', () => {
    const block = jsonBlock('data', { title: '</script><script>alert(1)</script>' }).value;
    expect(block.match(/<\/script>/g)).toHaveLength(1);
    const json = /<script type="application\/json" id="data">(.*)<\/script>/.exec(block)![1];
    expect(JSON.parse(json)).toEqual({ title: '</script><script>alert(1)</script>' });
  });

  it('describes a chart in words: coverage, latest value, episodes and thresholds', () => {
    const chart: MetricChart = {
      metric: 'spo2Average',
      label: 'average oxygen saturation',
      unit: '%',
      dates: ['2026-03-01', '2026-03-02', '2026-03-03'],
      partialFrom: '2026-03-03',
      breaks: [{ date: '2026-03-02', words: 'Time zone America/Chicago → Asia/Tokyo' }],
      yRange: { min: 87.5, max: 97.5 },
      values: [95, 90.5, null],
      baseline: {
        centre: [null, null, null],
        lower: [null, null, null],
        upper: [null, null, null],
      },
      thresholds: [
        { metric: 'spo2Average', value: 92, rule: 'low', label: 'Low oxygen saturation: below 92' },
      ],
      episodes: [
        { rule: 'low', title: 'Low', state: 'firing', from: '2026-03-02', to: '2026-03-03' },
      ],
      daysWithData: 2,
    };
    expect(chartDescription(chart)).toBe(
      'Average oxygen saturation from 2026-03-01 to 2026-03-03; 2 of 3 days with data; ' +
        'latest 90.5 % on 2026-03-02; 1 alert episode shaded; ' +
        'thresholds: Low oxygen saturation: below 92 (92 %); ' +
        '2026-03-03 still being measured (partial); ' +
        'break on 2026-03-02: Time zone America/Chicago → Asia/Tokyo',
    );
  });
});
