import type { Alert } from './lifecycle';
import { untold, withheld } from './withheld-notice';

const alert = (lastNotifiedOn: string | null): Alert => ({
  state: 'inhibited',
  episodeStart: '2026-11-01',
  firedOn: '2026-11-02',
  lastNotifiedOn,
  resolvedOn: null,
  trueStreak: 5,
  falseStreak: 0,
  lastEvaluatedOn: '2026-11-10',
  snoozedUntil: null,
  acknowledgement: null,
});

describe('withheld', () => {
  it('holds back what would announce an inhibited alert, never its follow-ups', () => {
    expect(withheld('inhibited', { kind: 'fire' })).toBe(true);
    expect(withheld('inhibited', { kind: 'renotify' })).toBe(true);
    expect(withheld('inhibited', { kind: 'resolve' })).toBe(false);
    expect(withheld('inhibited', { kind: 'stale' })).toBe(false);
    expect(withheld('firing', { kind: 'fire' })).toBe(false);
    expect(withheld('acknowledged', { kind: 'renotify' })).toBe(false);
    expect(withheld(null, { kind: 'fire' })).toBe(false);
  });
});

describe('untold', () => {
  it('gives a withheld first notice back: staff never heard of the episode', () => {
    const held = { kind: 'fire' as const, notifiedOn: '2026-11-02', toldBefore: null };
    expect(untold(alert('2026-11-02'), held).lastNotifiedOn).toBeNull();
  });

  it('gives a withheld re-notification back to the notice staff had before', () => {
    const held = { kind: 'renotify' as const, notifiedOn: '2026-11-09', toldBefore: '2026-11-02' };
    expect(untold(alert('2026-11-09'), held).lastNotifiedOn).toBe('2026-11-02');
  });

  it('ends at what staff heard before the earliest withheld notice, whichever row is settled first', () => {
    const fire = { kind: 'fire' as const, notifiedOn: '2026-11-02', toldBefore: null };
    const renotify = {
      kind: 'renotify' as const,
      notifiedOn: '2026-11-09',
      toldBefore: '2026-11-02',
    };
    // The first notice first: nobody heard anything, and the later one cannot say otherwise.
    expect(untold(untold(alert('2026-11-09'), fire), renotify).lastNotifiedOn).toBeNull();
    // The later notice first, then the first one.
    expect(untold(untold(alert('2026-11-09'), renotify), fire).lastNotifiedOn).toBeNull();
    // An alert whose notice date is before this notice's (told since by
    // nothing newer) keeps it.
    const older = alert('2026-11-05');
    expect(untold(older, renotify)).toBe(older);
  });

  it('reads rows queued before the notice kept its dates by their kind', () => {
    expect(untold(alert('2026-11-02'), { kind: 'fire' }).lastNotifiedOn).toBeNull();
    const a = alert('2026-11-09');
    expect(untold(a, { kind: 'renotify' })).toBe(a);
  });
});
