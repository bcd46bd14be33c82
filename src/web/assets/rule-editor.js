/* global document, window, fetch, setTimeout, clearTimeout, Chart */
// The rule editor: a form for the rule's params (units, ranges and help from
// its paramDetails) over the JSON, live validation with each problem shown at
// its setting and its place in the JSON, save (a folder rule only once the
// clinician has read the warning), param overrides, and the backtest of the
// draft beside the saved rule.
'use strict';

(function () {
  const root = document.getElementById('rule-editor');
  if (!root) return;
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  const savedId = root.dataset.ruleId;
  const textarea = document.getElementById('rule-json');
  const messages = document.getElementById('rule-messages');
  const savedBlock = document.getElementById('saved-rule');
  /** The rule in force, {version, definition}; null on /rules/new. */
  const saved = savedBlock ? JSON.parse(savedBlock.textContent) : null;

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
    document.getElementById('rule-json-details').open = true;
    textarea.focus();
    textarea.setSelectionRange(start, end);
    const lineHeight = parseFloat(window.getComputedStyle(textarea).lineHeight) || 18;
    textarea.scrollTop = Math.max(0, (lineAt(start) - 3) * lineHeight);
  }

  /** Lists problems, each naming its JSON path and line, as a button that selects the place. */
  function showProblems(problems, heading) {
    messages.textContent = '';
    textarea.setAttribute('aria-invalid', problems.length > 0 ? 'true' : 'false');
    showFieldProblems(problems);
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

  // The settings form: one field per param, drawn from the draft's params and paramDetails.
  const paramForm = document.getElementById('param-form');
  const editable = paramForm !== null && paramForm.dataset.editable === 'true';
  let drawnFor = null;

  const rangeWords = (d) => {
    const unit = d.unit ? ` ${d.unit}` : '';
    if (typeof d.min === 'number' && typeof d.max === 'number')
      return `${d.min} to ${d.max}${unit}`;
    if (typeof d.min === 'number') return `at least ${d.min}${unit}`;
    if (typeof d.max === 'number') return `at most ${d.max}${unit}`;
    return null;
  };

  const paramInput = (name) =>
    [...paramForm.querySelectorAll('input[data-param]')].find((i) => i.dataset.param === name);

  function drawParamForm(rule) {
    if (!paramForm || !rule || typeof rule.params !== 'object' || rule.params === null) return;
    const details =
      rule.paramDetails && typeof rule.paramDetails === 'object' ? rule.paramDetails : {};
    const names = Object.keys(rule.params);
    const shape = JSON.stringify(names.map((name) => [name, details[name] || null]));
    if (shape === drawnFor) {
      for (const name of names) {
        const input = paramInput(name);
        if (input && document.activeElement !== input) input.value = String(rule.params[name]);
      }
      return;
    }
    drawnFor = shape;
    paramForm.textContent = '';
    if (names.length === 0) {
      const none = document.createElement('p');
      none.className = 'muted';
      none.textContent = 'This rule has no settings.';
      paramForm.append(none);
    }
    names.forEach((name, i) => {
      const d = details[name] && typeof details[name] === 'object' ? details[name] : {};
      const id = `param-${i}`;
      const box = document.createElement('div');
      box.className = 'param';
      const label = document.createElement('label');
      label.htmlFor = id;
      label.textContent = typeof d.label === 'string' ? d.label : name;
      const code = document.createElement('span');
      code.className = 'muted';
      code.textContent = ` (${name})`;
      label.append(code);
      const input = document.createElement('input');
      Object.assign(input, { id, type: 'number', readOnly: !editable });
      input.dataset.param = name;
      input.step = typeof d.step === 'number' ? String(d.step) : 'any';
      if (typeof d.min === 'number') input.min = String(d.min);
      if (typeof d.max === 'number') input.max = String(d.max);
      input.value = String(rule.params[name]);
      input.setAttribute('aria-describedby', `${id}-help ${id}-error`);
      const unit = document.createElement('span');
      unit.textContent = d.unit ? ` ${d.unit}` : '';
      const help = document.createElement('p');
      help.id = `${id}-help`;
      help.className = 'muted';
      const range = rangeWords(d);
      const before = saved && saved.definition.params[name];
      help.textContent = [
        typeof d.help === 'string' ? d.help : 'The rule has no description of this setting.',
        range ? `Allowed: ${range}.` : '',
        typeof before === 'number' ? `Saved: ${before}${d.unit ? ` ${d.unit}` : ''}.` : '',
      ]
        .filter(Boolean)
        .join(' ');
      const error = document.createElement('p');
      error.id = `${id}-error`;
      error.className = 'urgent param-error';
      box.append(label, input, unit, help, error);
      paramForm.append(box);
    });
  }

  /** A problem with a param is shown at its field too (the list keeps its JSON path). */
  function showFieldProblems(problems) {
    if (!paramForm) return;
    for (const input of paramForm.querySelectorAll('input[data-param]')) {
      input.setAttribute('aria-invalid', 'false');
      document.getElementById(`${input.id}-error`).textContent = '';
    }
    for (const problem of problems) {
      const match = /^\$\.(params|paramDetails)\.([A-Za-z][A-Za-z0-9]*)/.exec(problem.path);
      const input = match && paramInput(match[2]);
      if (!input) continue;
      input.setAttribute('aria-invalid', 'true');
      document.getElementById(`${input.id}-error`).textContent =
        match[1] === 'params' ? problem.message : `${problem.path}: ${problem.message}`;
    }
  }

  if (paramForm && editable) {
    paramForm.addEventListener('input', (event) => {
      const input = event.target;
      if (!input.dataset || !input.dataset.param) return;
      const parsed = draft();
      if (!parsed.rule)
        return showProblems(parsed.problems, 'Fix the JSON before changing settings:');
      if (input.value === '' || !Number.isFinite(input.valueAsNumber)) {
        input.setAttribute('aria-invalid', 'true');
        document.getElementById(`${input.id}-error`).textContent = 'Enter a number.';
        return;
      }
      parsed.rule.params[input.dataset.param] = input.valueAsNumber;
      textarea.value = JSON.stringify(parsed.rule, null, 2);
      clearTimeout(timer);
      timer = setTimeout(validate, 400);
    });
  }

  const placed = (places, errors) => errors.map((e) => ({ ...e, ...placeOf(places, e.path) }));

  let checking = 0;
  async function validate() {
    const ticket = ++checking;
    const parsed = draft();
    if (!parsed.rule) return showProblems(parsed.problems, 'The JSON cannot be read:');
    drawParamForm(parsed.rule);
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
  // A folder rule is saved only once the clinician has ticked that they read the warning.
  const folderConsent = document.getElementById('folder-consent');
  if (folderConsent) {
    const gate = () => {
      save.disabled = !folderConsent.checked;
      saveStatus.textContent = folderConsent.checked
        ? ''
        : 'To save, first tick that you understand the rules folder can replace this edit.';
    };
    folderConsent.addEventListener('change', gate);
    gate();
  }
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

  // Field messages mostly name their field already ("from must be ..."); rule paths ($.x) do not.
  const fieldText = (e) =>
    e.message.startsWith(`${e.path} `) ? e.message : `${e.path} ${e.message}`;
  const problemText = (res) =>
    res.data
      ? [res.data.message, ...(res.data.errors || []).map(fieldText)].join('; ')
      : String(res.status);

  /** Saved params in words: "Rise above baseline 6 bpm", from the rule's paramDetails. */
  function paramWords(params) {
    const details = (saved && saved.definition.paramDetails) || {};
    const words = Object.entries(params).map(([name, value]) => {
      const detail = details[name];
      return detail ? `${detail.label} ${value} ${detail.unit}` : `${name} ${value}`;
    });
    return words.length > 0 ? `${words.join(', ')}.` : "the rule's own values again.";
  }

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
        ? `Saved for patient ${pid}: ${paramWords(res.data.params)}`
        : `Not saved: ${problemText(res)}`;
    });
  }

  // Backtest: the draft beside the saved rule, over the same patients and days.
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

  const episodesOf = (result) =>
    result.patients.flatMap((p) =>
      p.episodes.map((e) => ({ ...e, pid: p.pid, patient: p.patient })),
    );

  /** Who a would-be alert is about, as every staff page says it: name, birth date, chart, pid. */
  function patientWords(patient, pid) {
    if (!patient || !patient.name)
      return `Patient ${pid}${patient && patient.problem ? ` (${patient.problem})` : ''}`;
    return [
      patient.name,
      patient.dateOfBirth && `born ${patient.dateOfBirth}`,
      patient.chartNumber && `chart ${patient.chartNumber}`,
      `pid ${pid}`,
    ]
      .filter(Boolean)
      .join(', ');
  }

  /** Patients with a would-be alert on each day. */
  const alertingByDay = (labels, episodes) =>
    labels.map(
      (day) => episodes.filter((e) => e.firedOn <= day && (e.end === null || day < e.end)).length,
    );

  const COMPARED = [
    ['alert-days-rate', 'Alert days per patient-month', (s) => s.alertDaysPerPatientMonth],
    [
      'condition-days-rate',
      'Condition days per patient-month',
      (s) => s.conditionDaysPerPatientMonth,
    ],
    ['patients-alerted', 'Patients alerted', (s) => `${s.patientsAlerted} of ${s.patients}`],
    ['episodes', 'Episodes (told to staff)', (s) => `${s.episodes} (${s.episodesNotified})`],
    ['alert-days', 'Alert days', (s) => s.alertDays],
    ['insufficient', 'Patient-days without enough data', (s) => s.outcomeDays.insufficient_data],
  ];

  function fillComparison(runs) {
    const body = document.querySelector('#backtest-compare tbody');
    body.textContent = '';
    const byKind = {
      saved: runs.find((r) => r.kind === 'saved'),
      draft: runs.find((r) => r.kind === 'draft'),
    };
    document.getElementById('compare-saved-head').textContent = saved
      ? `Saved rule (version ${saved.version})`
      : 'Saved rule';
    for (const [key, title, value] of COMPARED) {
      const row = document.createElement('tr');
      const head = document.createElement('th');
      head.scope = 'row';
      head.textContent = title;
      row.append(head);
      for (const kind of ['saved', 'draft']) {
        const cell = document.createElement('td');
        cell.id = `compare-${key}-${kind}`;
        cell.textContent = byKind[kind]
          ? String(value(byKind[kind].result.summary))
          : 'not saved yet';
        row.append(cell);
      }
      body.append(row);
    }
  }

  /** Says which days are still being measured, or hides the note when none are. */
  function notePartial(partialFrom) {
    const note = document.getElementById('backtest-partial');
    note.hidden = partialFrom === null;
    note.textContent =
      partialFrom === null
        ? ''
        : `From ${partialFrom} the days are still being measured (partial day): drawn hollow, and their outcomes may change.`;
  }

  async function drawBacktest(runs, rule, pid) {
    const { from, to } = runs[0].result;
    const partialFrom = runs[0].result.partialFrom ?? null;
    const labels = dates(from, to);
    // Today is still being measured: drawn hollow, as on the patient's charts.
    const partial = labels.map((day) => partialFrom !== null && day >= partialFrom);
    notePartial(partialFrom);
    const colours = { saved: 'rgba(90, 90, 90, 0.45)', draft: 'rgba(176, 0, 32, 0.55)' };
    const datasets = runs.map((run) => ({
      type: 'bar',
      label: `${run.title}: patients with a would-be alert`,
      data: alertingByDay(labels, episodesOf(run.result)),
      backgroundColor: partial.map((p) => (p ? '#ffffff' : colours[run.kind])),
      borderColor: colours[run.kind],
      borderWidth: partial.map((p) => (p ? 2 : 0)),
      yAxisID: 'alerts',
    }));
    const metric = firstMetric(rule.conditions);
    let metricTitle = null;
    if (pid && metric) {
      const res = await api('GET', `/api/v1/patients/${pid}/aggregates?from=${from}&to=${to}`);
      if (res.ok) {
        const byDate = new Map(res.data.days.map((d) => [d.date, d[metric]]));
        const named = metricNames[metric] || { label: metric, unit: '' };
        metricTitle = `${named.label} (${named.unit})`;
        datasets.push({
          type: 'line',
          label: `Patient ${pid}: ${metricTitle}`,
          data: labels.map((day) => (byDate.has(day) ? byDate.get(day) : null)),
          spanGaps: false,
          pointRadius: partial.map((p) => (p ? 4 : 1.5)),
          pointBorderWidth: partial.map((p) => (p ? 2 : 1)),
          pointBackgroundColor: partial.map((p) => (p ? '#ffffff' : '#0b5cad')),
          borderColor: '#0b5cad',
          segment: { borderDash: (s) => (partial[s.p1DataIndex] ? [3, 3] : undefined) },
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
          x: { title: { display: true, text: "Day (the patient's local date)" } },
          alerts: {
            position: 'left',
            beginAtZero: true,
            ticks: { precision: 0 },
            title: { display: true, text: 'Patients with a would-be alert' },
          },
          metric: {
            position: 'right',
            display: metricTitle !== null,
            grid: { drawOnChartArea: false },
            title: { display: metricTitle !== null, text: metricTitle || '' },
          },
        },
      },
    });

    const body = document.querySelector('#backtest-episodes tbody');
    body.textContent = '';
    for (const run of runs) {
      for (const e of episodesOf(run.result)) {
        const row = document.createElement('tr');
        for (const value of [
          run.title,
          patientWords(e.patient, e.pid),
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
    }
    if (body.children.length === 0) {
      const row = document.createElement('tr');
      const cell = document.createElement('td');
      cell.colSpan = 7;
      cell.textContent = 'No would-be alerts in this range.';
      row.append(cell);
      body.append(row);
    }
  }

  function backtestProblem(text) {
    backtestStatus.textContent = text;
    backtestStatus.className = 'urgent';
    backtestStatus.setAttribute('role', 'alert');
  }

  backtestForm.addEventListener('submit', async (event) => {
    event.preventDefault();
    const parsed = draft();
    if (!parsed.rule) return showProblems(parsed.problems, 'The JSON cannot be read:');
    const form = backtestForm.elements;
    const byPatient = form.who.value === 'pid';
    const request = { from: form.from.value, to: form.to.value };
    if (byPatient) request.pid = Number(form.pid.value);
    else request.program = form.program.value;
    const id = savedId || parsed.rule.id;
    const runs = [
      ...(saved
        ? [{ kind: 'saved', title: `Saved (version ${saved.version})`, body: request }]
        : []),
      { kind: 'draft', title: 'Draft', body: { ...request, rule: parsed.rule } },
    ];
    backtestStatus.textContent = 'Running the backtest…';
    backtestStatus.className = '';
    backtestStatus.setAttribute('role', 'status');
    const answers = await Promise.all(
      runs.map((run) => api('POST', `/api/v1/rules/${encodeURIComponent(id)}/backtest`, run.body)),
    );
    const failed = answers.findIndex((res) => !res.ok);
    if (failed >= 0) {
      const which = runs.length > 1 ? ` (${runs[failed].title.toLowerCase()})` : '';
      backtestProblem(`The backtest did not run${which}: ${problemText(answers[failed])}`);
      document.getElementById('backtest-result').hidden = true;
      return;
    }
    runs.forEach((run, i) => (run.result = answers[i].data));
    document.getElementById('backtest-result').hidden = false;
    fillComparison(runs);
    await drawBacktest(runs, parsed.rule, byPatient ? request.pid : null);
    const days = answers[0].data.days;
    backtestStatus.textContent = `Backtest done: ${days} days.`;
  });
})();
