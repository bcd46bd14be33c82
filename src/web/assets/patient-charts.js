/* global document, getComputedStyle, Chart */
// Draws the patient page's charts from the JSON block the server rendered.
// A day without data is null and stays a gap (spanGaps: false), never a zero.
'use strict';

(function () {
  const block = document.getElementById('patient-charts-data');
  if (!block || typeof Chart === 'undefined') return;
  const { charts } = JSON.parse(block.textContent);
  const style = getComputedStyle(document.documentElement);
  const colour = (name, fallback) => style.getPropertyValue(name).trim() || fallback;
  const accent = colour('--accent', '#0b5cad');
  const urgent = colour('--urgent', '#b00020');
  const warning = colour('--warning', '#8a5a00');
  const muted = colour('--muted', '#595959');

  // Alert episodes as translucent bands behind the lines, one day wide per date.
  const episodeShading = {
    id: 'episodeShading',
    beforeDatasetsDraw(chart, _args, options) {
      const { ctx, chartArea, scales } = chart;
      const dates = chart.data.labels;
      const half =
        dates.length > 1 ? (scales.x.getPixelForValue(1) - scales.x.getPixelForValue(0)) / 2 : 10;
      ctx.save();
      ctx.fillStyle = options.colour;
      for (const episode of options.episodes) {
        const left = scales.x.getPixelForValue(dates.indexOf(episode.from)) - half;
        const right = scales.x.getPixelForValue(dates.indexOf(episode.to)) + half;
        ctx.fillRect(left, chartArea.top, right - left, chartArea.bottom - chartArea.top);
      }
      ctx.restore();
    },
  };

  for (const data of charts) {
    const canvas = document.getElementById(`chart-${data.metric}`);
    if (!canvas) continue;
    const datasets = [
      {
        label: `${data.label} (${data.unit})`,
        data: data.values,
        borderColor: accent,
        backgroundColor: accent,
        spanGaps: false,
        pointRadius: 2,
        borderWidth: 2,
      },
      {
        label: 'Baseline band, lower',
        data: data.baseline.lower,
        borderWidth: 0,
        pointRadius: 0,
        spanGaps: false,
        fill: false,
      },
      {
        label: 'Baseline band (mean ± 1 SD)',
        data: data.baseline.upper,
        borderWidth: 0,
        pointRadius: 0,
        spanGaps: false,
        backgroundColor: 'rgba(120, 140, 160, 0.25)',
        fill: '-1',
      },
      ...data.thresholds.map((threshold) => ({
        label: threshold.label,
        data: data.dates.map(() => threshold.value),
        borderColor: urgent,
        borderDash: [6, 4],
        borderWidth: 1.5,
        pointRadius: 0,
      })),
    ];
    new Chart(canvas, {
      type: 'line',
      data: { labels: data.dates, datasets },
      plugins: [episodeShading],
      options: {
        animation: false,
        maintainAspectRatio: false,
        interaction: { mode: 'index', intersect: false },
        scales: {
          x: { ticks: { maxTicksLimit: 10, color: muted } },
          y: { title: { display: true, text: data.unit }, ticks: { color: muted } },
        },
        plugins: {
          legend: {
            labels: { filter: (item) => item.text !== 'Baseline band, lower' },
          },
          episodeShading: { episodes: data.episodes, colour: `${warning}33` },
        },
      },
    });
  }
})();
