import { CONNECTION_CHANGES } from '../audit/audit-trail';
import type { AuditEvent } from '../audit/audit-event.entity';
import { localDateAt, type LocalDate } from '../time';

/** A change after which the patient's days are not comparable with those before. */
export interface ConnectionChange {
  at: Date;
  /** The patient's local day the change took effect on (in the zone in force after it). */
  date: LocalDate;
  kind: 'account' | 'timeZone' | 'device';
  /** "Another Google account", "Time zone America/Chicago → Europe/Paris". */
  words: string;
}

const KIND_OF: Record<string, ConnectionChange['kind']> = {
  [CONNECTION_CHANGES.account]: 'account',
  [CONNECTION_CHANGES.timeZone]: 'timeZone',
  [CONNECTION_CHANGES.device]: 'device',
};

const text = (value: unknown): string => (typeof value === 'string' ? value : 'unknown');

/** The audit trail's connection changes, as staff read them and the charts break on them. */
export function connectionChanges(
  events: readonly Pick<AuditEvent, 'occurredAt' | 'action' | 'details'>[],
  patientZone: string,
): ConnectionChange[] {
  return events.flatMap((event) => {
    const kind = KIND_OF[event.action];
    if (kind === undefined) return [];
    let details: Record<string, unknown> = {};
    try {
      details = JSON.parse(event.details ?? '{}') as Record<string, unknown>;
    } catch {
      // An unreadable detail still marks the change; only its words are vaguer.
    }
    const zone = kind === 'timeZone' && typeof details.to === 'string' ? details.to : patientZone;
    const words =
      kind === 'account'
        ? 'Another Google account connected'
        : kind === 'timeZone'
          ? `Time zone ${text(details.from)} → ${text(details.to)}`
          : `Device ${text(details.from)} → ${text(details.to)}`;
    let date: LocalDate;
    try {
      date = localDateAt(event.occurredAt, zone);
    } catch {
      date = localDateAt(event.occurredAt, patientZone);
    }
    return [{ at: event.occurredAt, date, kind, words }];
  });
}
