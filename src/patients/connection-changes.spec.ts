import { connectionChanges } from './connection-changes';

const at = new Date('2026-11-20T03:30:00Z');

describe('connection changes on the patient page', () => {
  it('names each change and dates it on the patient’s day after the change', () => {
    const changes = connectionChanges(
      [
        { occurredAt: at, action: 'consent.account_changed', details: '{}' },
        {
          occurredAt: at,
          action: 'consent.time_zone_changed',
          details: JSON.stringify({ from: 'America/Chicago', to: 'Asia/Tokyo' }),
        },
        {
          occurredAt: at,
          action: 'device.changed',
          details: JSON.stringify({ from: 'TRACKER', to: 'WATCH' }),
        },
        { occurredAt: at, action: 'consent.granted', details: null },
      ],
      'America/Chicago',
    );
    expect(changes).toEqual([
      { at, date: '2026-11-19', kind: 'account', words: 'Another Google account connected' },
      // 03:30 UTC is already the 20th in Tokyo, the zone the days are cut in from then on.
      {
        at,
        date: '2026-11-20',
        kind: 'timeZone',
        words: 'Time zone America/Chicago → Asia/Tokyo',
      },
      { at, date: '2026-11-19', kind: 'device', words: 'Device TRACKER → WATCH' },
    ]);
  });

  it('still marks a change whose details cannot be read', () => {
    const [change] = connectionChanges(
      [{ occurredAt: at, action: 'device.changed', details: 'not json' }],
      'UTC',
    );
    expect(change).toMatchObject({ date: '2026-11-20', words: 'Device unknown → unknown' });
  });
});
