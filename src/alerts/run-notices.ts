import type { Alert, AlertNotice } from './lifecycle';
import type { LocalDate } from '../time';

/**
 * What staff must hear about one rule after an evaluation run of several days,
 * from the notices the run's days raised one by one. Staff only see the end of
 * the run: an episode that fired and resolved within it was never announced, so
 * it says nothing; an episode announced before the run says `resolve` only when
 * it ends in the run; an episode that ends the run stale says `stale` only
 * when staff knew it as live before the run; an episode still open says `fire` if staff were never
 * told of it, else `renotify`, once, dated by its last notice.
 */
export function netNotices(
  before: Alert | null,
  days: readonly AlertNotice[],
  after: Alert | null,
): AlertNotice[] {
  const told =
    before !== null && before.state !== 'resolved' && before.lastNotifiedOn !== null
      ? before.episodeStart
      : null;
  const endsStale = (episodeStart: LocalDate): boolean =>
    after?.episodeStart === episodeStart && after.state === 'stale';
  // A stale notice counts only if the episode is still stale at the end of the run.
  const last = new Map<LocalDate, AlertNotice>();
  for (const notice of days) {
    if (notice.kind !== 'stale' || endsStale(notice.episodeStart)) {
      last.set(notice.episodeStart, notice);
    }
  }
  return [...last.values()].flatMap((notice): AlertNotice[] => {
    const announced = notice.episodeStart === told;
    if (notice.kind === 'resolve') return announced ? [notice] : [];
    if (endsStale(notice.episodeStart)) {
      return announced && before?.state !== 'stale' ? [{ ...notice, kind: 'stale' }] : [];
    }
    return [{ ...notice, kind: announced ? 'renotify' : 'fire' }];
  });
}
