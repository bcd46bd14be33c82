/* global document, window, fetch, setTimeout, clearTimeout, Chart */
// The rule editor: live validation with each problem pointing at its place in
// the JSON, save, param overrides, and the backtest preview of the draft.
'use strict';

(function () {
  const root = document.getElementById('rule-editor');
  if (!root) return;
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  const savedId = root.dataset.ruleId;
  const textarea = document.getElementById('rule-json');
  const messages = document.getElementById('rule-messages');

  async function api(method, url, body) {
    const res = await fetch(url, {
      method,
      credentials: 'same-origin',
      headers: {
        'Content-Type': 'application/json',
        Accept: 'application/json',
        'X-CSRF-Token': csrf,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const data = await res.json().catch(() => null);
    return { ok: res.ok, status: res.status, data };
  }

  // Same path syntax as the server's rule errors: $.a.b, $.a[2], $["odd key"].
  const child = (path, key) =>
    typeof key === 'number'
      ? `${path}[${key}]`
      : /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(key)
        ? `${path}.${key}`
        : `${path}[${JSON.stringify(key)}]`;

  /** Where each value of well-formed JSON text sits: path -> {start, end} offsets. */
  function locate(text) {
    const found = new Map();
    let i = 0;
    const space = () => {
      while (/\s/.test(text[i] || '')) i++;
    };
    const string = () => {
      const start = i++;
      while (text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
      i++;
      return JSON.parse(text.slice(start, i));
    };
    const value = (path) => {
      space();
      const start = i;
      if (text[i] === '{' || text[i] === '[') {
        const object = text[i++] === '{';
        let index = 0;
        space();
        while (text[i] !== '}' && text[i] !== ']') {
          let key = index++;
          if (object) {
            space();
            key = string();
            space();
            i++; // the colon
          }
          value(child(path, key));
          space();
          if (text[i] === ',') i++;
          space();
        }
        i++;
      } else if (text[i] === '"') {
        string();
      } else {
        while (i < text.length && !/[\s,\]}]/.test(text[i])) i++;
      }
      found.set(path, { start, end: i });
    };
    value('$');
    return found;
  }

  /** The place of a path, or of its nearest parent that exists (a missing field points at its object). */
  function placeOf(places, path) {
    let at = path;
    while (at && !places.has(at)) at = at.replace(/(\.[^.[\]]+|\[[^\]]*\])$/, '') || '';
    return places.get(at || '$') || { start: 0, end: 0 };
  }

  const lineAt = (offset) => textarea.value.slice(0, offset).split('\n').length;

  function jumpTo(start, end) {
    textarea.focus();
    textarea.setSelectionRange(start, end);
    const lineHeight = parseFloat(window.getComputedStyle(textarea).lineHeight) || 18;
    textarea.scrollTop = Math.max(0, (lineAt(start) - 3) * lineHeight);
  }

  /** Lists problems, each naming its JSON path and line, as a button that selects the place. */
  function showProblems(problems, heading) {
    messages.textContent = '';
    textarea.setAttribute('aria-invalid', problems.length > 0 ? 'true' : 'false');
    if (problems.length === 0) {
      messages.textContent = heading;
      messages.className = 'ok';
      return;
    }
    messages.className = 'urgent';
    const title = document.createElement('p');
    title.textContent = heading;
    const list = document.createElement('ul');
    list.id = 'rule-problems';
    for (const problem of problems) {
      const item = document.createElement('li');
      item.dataset.path = problem.path;
      const button = document.createElement('button');
      button.type = 'button';
      button.textContent = `line ${lineAt(problem.start)}, ${problem.path}`;
      button.addEventListener('click', () => jumpTo(problem.start, problem.end));
      item.append(button, `: ${problem.message}`);
      list.append(item);
    }
    messages.append(title, list);
  }

  /** Parses the textarea; a syntax error becomes a problem at its offset. */
  function draft() {
    const text = textarea.value;
    try {
      return { rule: JSON.parse(text), places: locate(text) };
    } catch (error) {
      const match = /position (\d+)/.exec(error.message);
      const line = /line (\d+) column (\d+)/.exec(error.message);
      let start = match ? Number(match[1]) : text.length;
      if (!match && line) {
        const lines = text.split('\n').slice(0, Number(line[1]) - 1);
        start = lines.reduce((sum, l) => sum + l.length + 1, 0) + Number(line[2]) - 1;
      }
      return {
        rule: null,
        problems: [
          { path: '$', message: `not valid JSON: ${error.message}`, start, end: start + 1 },
        ],
      };
    }
  }

  const placed = (places, errors) => errors.map((e) => ({ ...e, ...placeOf(places, e.path) }));

  let checking = 0;
  async function validate() {
    const ticket = ++checking;
    const parsed = draft();
    if (!parsed.rule) return showProblems(parsed.problems, 'The JSON cannot be read:');
    const res = await api('POST', '/api/v1/rules/validate', parsed.rule);
    if (ticket !== checking) return; // a newer edit is being checked
    if (!res.ok) return showProblems([], `Could not check the rule (${res.status}).`);
    const count = res.data.errors.length;
    showProblems(
      placed(parsed.places, res.data.errors),
      count === 0 ? 'The rule is valid.' : `${count} problem${count > 1 ? 's' : ''}:`,
    );
  }

  let timer;
  textarea.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(validate, 400);
  });
  validate();

  const save = document.getElementById('rule-save');
  const saveStatus = document.getElementById('save-status');
  save.addEventListener('click', async () => {
    const parsed = draft();
    if (!parsed.rule) return showProblems(parsed.problems, 'The JSON cannot be read:');
    saveStatus.textContent = 'Saving…';
    const res = savedId
      ? await api('PUT', `/api/v1/rules/${encodeURIComponent(savedId)}`, parsed.rule)
      : await api('POST', '/api/v1/rules', parsed.rule);
    if (res.ok) {
      window.location.assign(`/rules/${encodeURIComponent(res.data.id)}`);
      return;
    }
    saveStatus.textContent = `Not saved: ${res.data ? res.data.message : res.status}`;
    if (res.data && res.data.errors)
      showProblems(placed(parsed.places, res.data.errors), 'Not saved:');
  });

  /** Numbers typed into the param fields of a form; empty fields are left out. */
  function paramsOf(form) {
    const params = {};
    for (const input of form.querySelectorAll('input[name^="param:"]')) {
      if (input.value !== '') params[input.name.slice(6)] = Number(input.value);
    }
    return params;
  }

  const problemText = (res) =>
    res.data
      ? [res.data.message, ...(res.data.errors || []).map((e) => `${e.path} ${e.message}`)].join(
          '; ',
        )
      : String(res.status);

  const programForm = document.getElementById('program-form');
  if (programForm) {
    programForm.addEventListener('submit', async (event) => {
      event.preventDefault();
      const enabled = programForm.elements.enabled.value;
      const program = programForm.elements.program.value;
      const res = await api(
        'PUT',
        `/api/v1/rules/${savedId}/programs/${encodeURIComponent(program)}`,
        {
          enabled: enabled === '' ? null : enabled === 'true',
          params: paramsOf(programForm),
        },
      );
      document.getElementById('program-status').textContent = res.ok
        ? `Saved for ${program}.`
        : `Not saved: ${problemText(res)}`;
    });
  }

  const patientForm = document.getElementById('patient-form');
  if (patientForm) {
    patientForm.addEventListener('submit', async (event) => {
      event.preventDefault();
      const pid = patientForm.elements.pid.value;
      const res = await api(
        'PUT',
        `/api/v1/patients/${encodeURIComponent(pid)}/rules/${savedId}/params`,
        paramsOf(patientForm),
      );
      document.getElementById('patient-status').textContent = res.ok
        ? `Saved for patient ${pid}: ${JSON.stringify(res.data.params)}`
        : `Not saved: ${problemText(res)}`;
    });
  }

  // Backtest preview: would-be alerts per day, and for one patient the metric the rule reads.
  const backtestForm = document.getElementById('backtest-form');
  const backtestStatus = document.getElementById('backtest-status');
  let backtestChart = null;
  const metricNames = JSON.parse(document.getElementById('metric-labels').textContent);

  function firstMetric(node) {
    if (!node || typeof node !== 'object') return null;
    if (node.params && typeof node.params.metric === 'string') return node.params.metric;
    for (const childNode of [].concat(node.all || [], node.any || [], node.not || [])) {
      const found = firstMetric(childNode);
      if (found) return found;
    }
    return null;
  }

  function dates(from, to) {
    const out = [];
    for (let day = new Date(`${from}T00:00:00Z`); day <= new Date(`${to}T00:00:00Z`);) {
      out.push(day.toISOString().slice(0, 10));
      day = new Date(day.getTime() + 86400000);
    }
    return out;
  }

  async function drawBacktest(result, rule, pid) {
    const labels = dates(result.from, result.to);
    const episodes = result.patients.flatMap((p) => p.episodes.map((e) => ({ ...e, pid: p.pid })));
    const alerting = labels.map(
      (day) => episodes.filter((e) => e.firedOn <= day && (e.end === null || day < e.end)).length,
    );
    const datasets = [
      {
        type: 'bar',
        label: 'Patients with a would-be alert',
        data: alerting,
        backgroundColor: 'rgba(176, 0, 32, 0.35)',
        yAxisID: 'alerts',
      },
    ];
    const metric = firstMetric(rule.conditions);
    if (pid && metric) {
      const res = await api(
        'GET',
        `/api/v1/patients/${pid}/aggregates?from=${result.from}&to=${result.to}`,
      );
      if (res.ok) {
        const byDate = new Map(res.data.days.map((d) => [d.date, d[metric]]));
        const named = metricNames[metric] || { label: metric, unit: '' };
        datasets.push({
          type: 'line',
          label: `${named.label} (${named.unit})`,
          data: labels.map((day) => (byDate.has(day) ? byDate.get(day) : null)),
          spanGaps: false,
          pointRadius: 1.5,
          borderColor: '#0b5cad',
          yAxisID: 'metric',
        });
      }
    }
    if (backtestChart) backtestChart.destroy();
    backtestChart = new Chart(document.getElementById('backtest-chart'), {
      data: { labels, datasets },
      options: {
        animation: false,
        maintainAspectRatio: false,
        scales: {
          alerts: { position: 'left', beginAtZero: true, ticks: { precision: 0 } },
          metric: {
            position: 'right',
            display: datasets.length > 1,
            grid: { drawOnChartArea: false },
          },
        },
      },
    });

    const body = document.querySelector('#backtest-episodes tbody');
    body.textContent = '';
    for (const e of episodes) {
      const row = document.createElement('tr');
      for (const value of [
        e.pid,
        e.start,
        e.firedOn,
        e.notifiedOn || 'inhibited',
        e.end || 'open',
        e.alertDays,
      ]) {
        const cell = document.createElement('td');
        cell.textContent = String(value);
        row.append(cell);
      }
      body.append(row);
    }
    if (episodes.length === 0) {
      const row = document.createElement('tr');
      const cell = document.createElement('td');
      cell.colSpan = 6;
      cell.textContent = 'No would-be alerts in this range.';
      row.append(cell);
      body.append(row);
    }
  }

  backtestForm.addEventListener('submit', async (event) => {
    event.preventDefault();
    const parsed = draft();
    if (!parsed.rule) return showProblems(parsed.problems, 'The JSON cannot be read:');
    const form = backtestForm.elements;
    const byPatient = form.who.value === 'pid';
    const request = { from: form.from.value, to: form.to.value, rule: parsed.rule };
    if (byPatient) request.pid = Number(form.pid.value);
    else request.program = form.program.value;
    const id = savedId || parsed.rule.id;
    backtestStatus.textContent = 'Running the backtest…';
    const res = await api('POST', `/api/v1/rules/${encodeURIComponent(id)}/backtest`, request);
    if (!res.ok) {
      backtestStatus.textContent = `The backtest did not run: ${problemText(res)}`;
      return;
    }
    const s = res.data.summary;
    document.getElementById('backtest-result').hidden = false;
    document.getElementById('backtest-figure').textContent = String(s.alertDaysPerPatientMonth);
    document.getElementById('backtest-summary').textContent =
      `${s.patients} patient${s.patients === 1 ? '' : 's'}, ${s.patientsAlerted} alerted; ` +
      `${s.episodes} episode${s.episodes === 1 ? '' : 's'} (${s.episodesNotified} told to staff), ` +
      `${s.alertDays} alert days over ${res.data.days} days; not enough data on ${s.outcomeDays.insufficient_data} patient-days.`;
    await drawBacktest(res.data, parsed.rule, byPatient ? request.pid : null);
    backtestStatus.textContent = 'Backtest done.';
  });
})();
