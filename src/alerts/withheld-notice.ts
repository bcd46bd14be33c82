import type { Alert, AlertNoticeKind, AlertState } from './lifecycle';
import type { LocalDate } from '../time';

/** What a queued notice remembers of when it was raised (see NoticeSnapshot). */
export interface QueuedNotice {
  kind: AlertNoticeKind;
  /** The day the notice stands for (the alert's `lastNotifiedOn` it set); absent on older rows. */
  notifiedOn?: LocalDate;
  /** The alert's `lastNotifiedOn` before the notice: what staff had heard; absent on older rows. */
  toldBefore?: LocalDate | null;
}

/**
 * Whether a queued notice must not go out now: it would announce (`fire`) or
 * re-announce (`renotify`) an alert that is inhibited by the time it is
 * delivered (a monitoring gap began while the notice waited). Staff must not
 * act on it. Follow-ups (`resolve`, `stale`) still go: they close what staff
 * were told.
 */
export function withheld(state: AlertState | null, notice: QueuedNotice): boolean {
  return state === 'inhibited' && (notice.kind === 'fire' || notice.kind === 'renotify');
}

/**
 * The alert once a notice it raised is withheld: its notice date goes back to
 * what staff had heard before that notice, so the episode is announced (`fire`
 * if staff never heard of it, else `renotify` when due) when the inhibitor
 * clears, exactly as if the run had ended inhibited. Several withheld
 * notices of one episode end at what staff heard before the earliest of them,
 * in whichever order their rows are settled (when in doubt, staff hear of the
 * episode again rather than never). Rows queued before these dates were kept
 * say only their kind: a `fire` means nobody was told.
 */
export function untold(alert: Alert, notice: QueuedNotice): Alert {
  const before = notice.toldBefore !== undefined ? notice.toldBefore : null;
  if (notice.toldBefore === undefined && notice.kind !== 'fire') return alert;
  if (alert.lastNotifiedOn === null) return alert;
  if (notice.notifiedOn !== undefined && alert.lastNotifiedOn < notice.notifiedOn) return alert;
  if (before !== null && before >= alert.lastNotifiedOn) return alert;
  return { ...alert, lastNotifiedOn: before };
}
