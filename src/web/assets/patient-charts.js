/* global document, getComputedStyle, Chart */
// Draws the patient page's charts from the JSON block the server rendered.
// A day without data is null and stays a gap (spanGaps: false), never a zero.
// Days still being measured are a separate, hollow series, so they never read
// as a collapse; a change of account, zone or device breaks the line.
'use strict';

(function () {
  const block = document.getElementById('patient-charts-data');
  if (!block || typeof Chart === 'undefined') return;
  const { charts, patientTimeZone } = JSON.parse(block.textContent);
  const style = getComputedStyle(document.documentElement);
  const colour = (name, fallback) => style.getPropertyValue(name).trim() || fallback;
  const accent = colour('--accent', '#0b5cad');
  const urgent = colour('--urgent', '#b00020');
  const warning = colour('--warning', '#8a5a00');
  const muted = colour('--muted', '#595959');
  const shading = `${warning}33`;
  const LOWER = 'Baseline band, lower';

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

  // A vertical dashed line just before each day that follows a change, labelled.
  const changeBreaks = {
    id: 'changeBreaks',
    afterDatasetsDraw(chart, _args, options) {
      const { ctx, chartArea, scales } = chart;
      const dates = chart.data.labels;
      ctx.save();
      ctx.strokeStyle = options.colour;
      ctx.fillStyle = options.colour;
      ctx.setLineDash([4, 3]);
      ctx.lineWidth = 2;
      ctx.font = '11px system-ui, sans-serif';
      for (const change of options.breaks) {
        const index = dates.indexOf(change.date);
        if (index < 1) continue;
        const x = (scales.x.getPixelForValue(index - 1) + scales.x.getPixelForValue(index)) / 2;
        ctx.beginPath();
        ctx.moveTo(x, chartArea.top);
        ctx.lineTo(x, chartArea.bottom);
        ctx.stroke();
        ctx.fillText(change.words, x + 4, chartArea.top + 12);
      }
      ctx.restore();
    },
  };

  for (const data of charts) {
    const canvas = document.getElementById(`chart-${data.metric}`);
    if (!canvas) continue;
    const partial = data.dates.map((date) => date >= data.partialFrom);
    const breakIndexes = data.breaks.map((b) => data.dates.indexOf(b.date)).filter((i) => i > 0);
    // No line across a change: the days before and after are not comparable.
    const crossesBreak = (segment) =>
      breakIndexes.some((i) => segment.p0DataIndex < i && i <= segment.p1DataIndex);
    const unitLabel = `${data.label} (${data.unit})`;
    const datasets = [
      {
        label: unitLabel,
        data: data.values.map((value, i) => (partial[i] ? null : value)),
        borderColor: accent,
        backgroundColor: accent,
        spanGaps: false,
        pointRadius: 2,
        borderWidth: 2,
        segment: { borderColor: (s) => (crossesBreak(s) ? 'transparent' : undefined) },
      },
      {
        label: 'Still being measured (partial day)',
        data: data.values.map((value, i) => (partial[i] ? value : null)),
        borderColor: accent,
        backgroundColor: '#ffffff',
        borderDash: [3, 3],
        pointRadius: 4,
        pointBorderWidth: 2,
        spanGaps: false,
        borderWidth: 1,
      },
      {
        label: LOWER,
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
      // Legend entries for what plugins draw: they hold no values.
      ...(data.episodes.length > 0
        ? [
            {
              label: 'Alert episode (shaded)',
              data: data.dates.map(() => null),
              backgroundColor: shading,
              borderColor: shading,
              borderWidth: 0,
            },
          ]
        : []),
      ...(data.breaks.length > 0
        ? [
            {
              label: 'Break: account, time zone or device changed',
              data: data.dates.map(() => null),
              borderColor: muted,
              backgroundColor: 'transparent',
              borderDash: [4, 3],
              borderWidth: 2,
            },
          ]
        : []),
    ];
    new Chart(canvas, {
      type: 'line',
      data: { labels: data.dates, datasets },
      plugins: [episodeShading, changeBreaks],
      options: {
        animation: false,
        maintainAspectRatio: false,
        interaction: { mode: 'index', intersect: false },
        scales: {
          x: {
            title: { display: true, text: `Patient’s day (${patientTimeZone})`, color: muted },
            ticks: { maxTicksLimit: 10, color: muted },
          },
          y: {
            title: { display: true, text: unitLabel, color: muted },
            ticks: { color: muted },
            ...(data.yRange
              ? { suggestedMin: data.yRange.min, suggestedMax: data.yRange.max }
              : {}),
          },
        },
        plugins: {
          legend: { labels: { filter: (item) => item.text !== LOWER } },
          episodeShading: { episodes: data.episodes, colour: shading },
          changeBreaks: { breaks: data.breaks, colour: muted },
        },
      },
    });
  }
})();
