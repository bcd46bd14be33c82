import { afterAction, filterQuery, filtersOf, InboxQuery, SnoozeForm } from './inbox-input';
import { actorWords } from '../fragments';
import { availableActions } from './inbox.view';
import { readPageInput } from '../page-input';
import { ageInWords, clinicTime } from './time-words';

describe('inbox input', () => {
  it('reads the filters of a plain GET form, treating empty fields as not given', () => {
    const input = readPageInput(InboxQuery, { state: '', severity: 'urgent', pid: '42' });
    expect(input.ok).toBe(true);
    const query = (input as { value: InboxQuery }).value;
    expect(filtersOf(query)).toEqual({
      state: undefined,
      severity: 'urgent',
      program: undefined,
      recipient: undefined,
      pid: 42,
      limit: 200,
    });
    expect(filterQuery(query)).toBe('severity=urgent&pid=42');
  });

  it('names every wrong field, and refuses unknown ones and repeated values', () => {
    const input = readPageInput(InboxQuery, { pid: '0', colour: 'red' });
    expect(input.ok).toBe(false);
    const paths = (input as { problems: { path: string }[] }).problems.map((p) => p.path);
    expect(paths.sort()).toEqual(['colour', 'pid']);
    expect(readPageInput(InboxQuery, { state: ['firing', 'snoozed'] })).toEqual({
      ok: false,
      problems: [{ path: 'state', message: 'state must be plain text' }],
    });
  });

  it('ignores the CSRF field of a form but checks the rest', () => {
    expect(readPageInput(SnoozeForm, { _csrf: 'x', until: '2026-12-01' }).ok).toBe(true);
    expect(readPageInput(SnoozeForm, { _csrf: 'x', until: '2026-13-01' })).toEqual({
      ok: false,
      problems: [
        {
          path: 'until',
          message: 'until must be a calendar date written YYYY-MM-DD, not "2026-13-01"',
        },
      ],
    });
    expect(readPageInput(SnoozeForm, { until: '2026-12-01', back: '//evil.example/' }).ok).toBe(
      false,
    );
  });

  it('returns to the page the form came from, announcing only the latest action', () => {
    expect(afterAction(undefined, 'acknowledged', '7')).toBe('/alerts?done=acknowledged&alert=7');
    expect(afterAction('/alerts?severity=urgent&done=snoozed&alert=3', 'resolved', '7')).toBe(
      '/alerts?severity=urgent&done=resolved&alert=7',
    );
    expect(afterAction('/alerts/7', 'snoozed', '7')).toBe('/alerts/7?done=snoozed&alert=7');
  });
});

describe('inbox wording', () => {
  it('offers only the actions the alert state allows', () => {
    expect(availableActions({ state: 'firing', firedOn: '2026-11-20' })).toEqual([
      'acknowledge',
      'snooze',
      'resolve',
    ]);
    expect(availableActions({ state: 'acknowledged', firedOn: '2026-11-20' })).toEqual([
      'snooze',
      'resolve',
    ]);
    expect(availableActions({ state: 'pending', firedOn: null })).toEqual(['snooze', 'resolve']);
    expect(availableActions({ state: 'resolved', firedOn: '2026-11-20' })).toEqual([]);
  });

  it('names who changed an alert', () => {
    expect(actorWords('evaluation')).toBe('Vigil (rule evaluation)');
    expect(actorWords('staff:user:nurse.kim')).toBe('nurse.kim');
    expect(actorWords('staff:token:3')).toBe('API token 3');
    expect(actorWords('staff:drsmith')).toBe('drsmith (in OpenEMR)');
  });

  it('says how long an alert waited in its largest whole unit, and times in the clinic zone', () => {
    const now = new Date('2026-11-28T12:00:00Z');
    expect(ageInWords(new Date('2026-11-25T11:00:00Z'), now)).toBe('3 days');
    expect(ageInWords(new Date('2026-11-28T07:00:00Z'), now)).toBe('5 hours');
    expect(ageInWords(new Date('2026-11-28T11:59:00Z'), now)).toBe('1 minute');
    expect(ageInWords(new Date('2026-11-29T00:00:00Z'), now)).toBe('0 minutes');
    expect(clinicTime(now, 'America/New_York')).toBe('2026-11-28 07:00 America/New_York');
  });
});
