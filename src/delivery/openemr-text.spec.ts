import fc from 'fast-check';
import {
  MESSAGE_MAX_CHARACTERS,
  describeFinding,
  formatClinicTime,
  renderAlertMessage,
  renderDigestEmail,
  renderEscalationEmail,
  renderReminderText,
  renderResolvedMessage,
  type MessageEnvelope,
} from './openemr-text';

const envelope: MessageEnvelope = {
  sentAt: new Date('2026-11-28T14:05:00Z'),
  timeZone: 'America/New_York',
  senderUsername: 'vigil',
  recipientUsername: 'drsmith',
  pid: 17,
  chartNumber: '1042',
  publicBaseUrl: 'https://vigil.example.org/',
  deliveryId: 'd-42',
};

describe('formatClinicTime', () => {
  it.each([
    ['2026-11-28T14:05:00Z', 'America/New_York', '2026-11-28 09:05'],
    ['2026-07-01T14:05:00Z', 'America/New_York', '2026-07-01 10:05'],
    ['2026-11-28T05:00:00Z', 'America/New_York', '2026-11-28 00:00'],
    ['2026-03-29T01:30:00Z', 'Europe/Berlin', '2026-03-29 03:30'],
    ['2026-11-28T23:59:00Z', 'Pacific/Auckland', '2026-11-29 12:59'],
  ])('renders %s in %s as %s', (instant, timeZone, expected) => {
    expect(formatClinicTime(new Date(instant), timeZone)).toBe(expected);
  });
});

describe('describeFinding', () => {
  it('says the decisive values in plain words', () => {
    expect(
      describeFinding({
        label: 'resting heart rate',
        value: 72,
        unit: 'bpm',
        baseline: { value: 63, days: 28 },
        days: 2,
      }),
    ).toBe("resting heart rate 72 bpm, 9 above this patient's 28-day baseline, for 2 days");
    expect(
      describeFinding({
        label: 'mean daily steps',
        value: 3100,
        unit: 'steps',
        baseline: { value: 7450, days: 28 },
      }),
    ).toBe("mean daily steps 3,100 steps, 4,350 below this patient's 28-day baseline");
    expect(describeFinding({ label: 'nightly SpO2', value: 90.54, unit: '%', days: 1 })).toBe(
      'nightly SpO2 90.5%, for 1 day',
    );
    expect(
      describeFinding({
        label: 'HRV',
        value: 41.02,
        unit: 'ms',
        baseline: { value: 41, days: 28 },
      }),
    ).toBe("HRV 41 ms, at this patient's 28-day baseline");
  });
});

describe('renderAlertMessage', () => {
  it('writes the OpenEMR prefix, the chart number, each rule, the link and the marker', () => {
    const body = renderAlertMessage(envelope, [
      {
        title: 'Low oxygen saturation',
        severity: 'urgent',
        kind: 'renotify',
        summary: [{ label: 'nightly SpO2', value: 90.54, unit: '%', days: 2 }],
      },
      {
        title: 'Sustained resting heart rate rise',
        severity: 'warning',
        kind: 'fire',
        summary: [
          {
            label: 'resting heart rate',
            value: 72,
            unit: 'bpm',
            baseline: { value: 63, days: 28 },
            days: 2,
          },
        ],
      },
    ]);
    expect(body).toBe(
      [
        '2026-11-28 09:05 (vigil to drsmith) Vigil: 2 wearable alerts for clinician review, chart 1042.',
        '1. Low oxygen saturation (urgent, still present, not yet acknowledged): nightly SpO2 90.5%, for 2 days.',
        "2. Sustained resting heart rate rise (warning, new): resting heart rate 72 bpm, 9 above this patient's 28-day baseline, for 2 days.",
        'Patient page: https://vigil.example.org/patients/17',
        '[vigil:d-42]',
      ].join('\n'),
    );
  });

  it('says a stale alert is no longer tracked until data returns', () => {
    const body = renderAlertMessage(envelope, [
      {
        title: 'Sustained resting heart rate rise',
        severity: 'warning',
        kind: 'stale',
        summary: 'Resting heart rate 72 bpm.',
      },
    ]);
    expect(body.split('\n')[1]).toBe(
      '1. Sustained resting heart rate rise (warning, stale: no data to judge it for days, no longer tracked until data returns): Resting heart rate 72 bpm.',
    );
  });

  it('keeps each rule on one line whatever its text holds', () => {
    const body = renderAlertMessage(envelope, [
      {
        title: 'Weight\ngain',
        severity: 'urgent',
        kind: 'fire',
        summary: 'Up 2.4 kg\n in 3 days.',
      },
      { title: 'Sleep deficit', severity: 'info', kind: 'fire', summary: [] },
    ]);
    expect(body.split('\n').slice(1, 3)).toEqual([
      '1. Weight gain (urgent, new): Up 2.4 kg in 3 days.',
      '2. Sleep deficit (info, new).',
    ]);
  });

  it('leaves the evidence to the patient page', () => {
    const body = renderAlertMessage(envelope, [
      {
        title: 'Sleep deficit',
        severity: 'info',
        kind: 'fire',
        summary: 'Slept 5.1 hours a night over 7 nights.',
      },
    ]);
    expect(body).not.toContain('Evidence');
    expect(body).toContain('Patient page: https://vigil.example.org/patients/17');
  });

  it('lists alerts while they fit 1,000 characters, then how many more are on the page', () => {
    const alerts = Array.from({ length: 12 }, (_, i) => ({
      title: `Rule number ${i + 1} with a clinician-written title that runs rather long`,
      severity: 'warning' as const,
      kind: 'fire' as const,
      summary: `Resting heart rate ${70 + i} bpm, 9 above this patient's 28-day baseline, for 3 days.`,
    }));
    const lines = renderAlertMessage(envelope, alerts).split('\n');
    expect(lines.join('\n').length).toBeLessThanOrEqual(MESSAGE_MAX_CHARACTERS);
    expect(lines[0]).toContain('12 wearable alerts');
    expect(lines.at(-3)).toBe("and 8 more on the patient's page");
    expect(lines.slice(1, -3)).toHaveLength(4);
    expect(lines.at(-2)).toBe('Patient page: https://vigil.example.org/patients/17');
    expect(lines.at(-1)).toBe('[vigil:d-42]');
  });

  it('stays within 1,000 characters with the link and marker for any alerts', () => {
    const alert = fc.record({
      title: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 400 }),
      severity: fc.constantFrom('urgent' as const, 'warning' as const, 'info' as const),
      kind: fc.constantFrom('fire' as const, 'renotify' as const, 'stale' as const),
      summary: fc.string({ unit: 'grapheme', maxLength: 400 }),
    });
    fc.assert(
      fc.property(fc.array(alert, { minLength: 1, maxLength: 60 }), (alerts) => {
        const body = renderAlertMessage(envelope, alerts);
        expect(Array.from(body).length).toBeLessThanOrEqual(MESSAGE_MAX_CHARACTERS);
        expect(body).toContain('Patient page: https://vigil.example.org/patients/17');
        expect(body.endsWith('\n[vigil:d-42]')).toBe(true);
        const resolved = renderResolvedMessage(envelope, alerts);
        expect(Array.from(resolved).length).toBeLessThanOrEqual(MESSAGE_MAX_CHARACTERS);
        expect(resolved.endsWith('\n[vigil:d-42]')).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it('names the pid when the patient has no chart number', () => {
    const body = renderAlertMessage({ ...envelope, chartNumber: ' ' }, [
      {
        title: 'Monitoring gap',
        severity: 'urgent',
        kind: 'fire',
        summary: 'No data synced for 4 days.',
      },
    ]);
    expect(body.split('\n').slice(0, 2)).toEqual([
      '2026-11-28 09:05 (vigil to drsmith) Vigil: 1 wearable alert for clinician review, pid 17 (no chart number).',
      '1. Monitoring gap (urgent, new): No data synced for 4 days.',
    ]);
  });
});

describe('renderResolvedMessage', () => {
  it('is a short follow-up with the link and marker', () => {
    expect(
      renderResolvedMessage({ ...envelope, deliveryId: 'd-43' }, [
        { title: 'Low oxygen saturation', severity: 'urgent' },
      ]),
    ).toBe(
      [
        '2026-11-28 09:05 (vigil to drsmith) Vigil: resolved, chart 1042. No longer present:',
        'Low oxygen saturation (urgent).',
        'Patient page: https://vigil.example.org/patients/17',
        '[vigil:d-43]',
      ].join('\n'),
    );
  });
});

describe('renderReminderText', () => {
  const reminder = (titles: string[], deliveryId = 'd-42'): string =>
    renderReminderText({
      pid: 17,
      chartNumber: '1042',
      deliveryId,
      alerts: titles.map((title) => ({ title, severity: 'urgent' as const })),
    });

  it('keeps a short reminder whole', () => {
    expect(reminder(['Low oxygen saturation'])).toBe(
      'Vigil, chart 1042: Low oxygen saturation (urgent). [vigil:d-42]',
    );
  });

  it('lists whole rules while they fit, then how many more', () => {
    const text = reminder([
      'Sustained resting heart rate rise',
      'Low oxygen saturation',
      'Heart-failure weight gain',
      'Sleep deficit',
    ]);
    expect(text).toBe(
      'Vigil, chart 1042: Sustained resting heart rate rise (urgent); Low oxygen saturation (urgent); Heart-failure weight gain (urgent); +1 more. [vigil:d-42]',
    );
    expect(text).toHaveLength(152);
  });

  it('cuts a single overlong title at a word, keeping the marker', () => {
    const text = reminder([
      'A very long clinician-written rule title that goes on and on about resting heart rate and sleep and oxygen saturation over many nights of data',
    ]);
    expect(text).toBe(
      'Vigil, chart 1042: A very long clinician-written rule title that goes on and on about resting heart rate and sleep and oxygen saturation over... [vigil:d-42]',
    );
    expect(text.length).toBeLessThanOrEqual(160);
  });

  it('counts characters as MySQL does and never splits one', () => {
    const text = reminder(['💓'.repeat(200)]);
    expect(Array.from(text)).toHaveLength(160);
    expect(text).not.toMatch(
      /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/,
    );
    expect(text.endsWith('💓... [vigil:d-42]')).toBe(true);
  });

  it('fits 160 characters and ends with the marker for any titles', () => {
    fc.assert(
      fc.property(
        fc.array(fc.string({ unit: 'grapheme', maxLength: 80 }), { minLength: 1, maxLength: 8 }),
        fc.stringMatching(/^[a-z0-9-]{1,30}$/),
        (titles, deliveryId) => {
          const text = reminder(titles, deliveryId);
          expect(Array.from(text).length).toBeLessThanOrEqual(160);
          expect(text.endsWith(` [vigil:${deliveryId}]`)).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('refuses a delivery id that would crowd out the reminder', () => {
    expect(() => reminder(['x'], 'd'.repeat(40))).toThrow(RangeError);
  });
});

describe('emails', () => {
  const at = new Date('2026-11-28T14:05:00Z');
  const alerts = [
    {
      severity: 'urgent' as const,
      pid: 17,
      chartNumber: '1042',
      patientName: 'Jane Doe',
      value: 72,
    },
    {
      severity: 'urgent' as const,
      pid: 23,
      chartNumber: 'A-77',
      patientName: 'Omar Ruiz',
      value: 88,
    },
  ];

  it('escalates with counts, severities and a sign-in link only', () => {
    const email = renderEscalationEmail({
      alerts,
      afterHours: 4,
      signInUrl: 'https://vigil.example.org/sign-in',
      at,
      timeZone: 'America/New_York',
    });
    expect(email).toEqual({
      subject: 'Vigil: 2 alerts unacknowledged for over 4 hours',
      text: [
        '2 alerts raised by Vigil have not been acknowledged for over 4 hours (2 urgent, 0 warning, 0 info).',
        '',
        'Sign in to Vigil to review them: https://vigil.example.org/sign-in',
        '',
        'As of 2026-11-28 09:05 (America/New_York). This email deliberately carries no patient details.',
      ].join('\n'),
    });
    for (const secret of ['1042', 'A-77', 'Jane', 'Doe', 'Omar', 'Ruiz', '72', '88', '17', '23']) {
      expect(`${email.subject}\n${email.text}`).not.toContain(secret);
    }
  });

  it('summarises open and unacknowledged alerts in the daily digest', () => {
    const email = renderDigestEmail({
      alerts: [
        { severity: 'urgent', acknowledged: false },
        { severity: 'warning', acknowledged: true },
        { severity: 'info', acknowledged: false },
      ],
      signInUrl: 'https://vigil.example.org/sign-in',
      at,
      timeZone: 'UTC',
    });
    expect(email.subject).toBe('Vigil daily summary: 3 open alerts');
    expect(email.text.split('\n').slice(0, 2)).toEqual([
      '3 open alerts (1 urgent, 1 warning, 1 info).',
      'Not yet acknowledged: 2 (1 urgent, 0 warning, 1 info).',
    ]);
    expect(email.text).toContain('As of 2026-11-28 14:05 (UTC).');
  });
});
