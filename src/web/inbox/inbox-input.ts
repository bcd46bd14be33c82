import { IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { ALERT_STATES } from '../../alerts/alerts.dto';
import type { AlertFilters } from '../../alerts/alert-queries';
import type { AlertState } from '../../alerts/lifecycle';
import { SEVERITIES, type Severity } from '../../rules/rule-definition';
import { IsLocalDate } from '../../http/input-fields';
import { OptionalOneOf, OptionalPidText, OptionalProgramName } from '../page-input';

export const STAFF_ACTIONS = ['acknowledge', 'snooze', 'resolve'] as const;
export type StaffActionName = (typeof STAFF_ACTIONS)[number];

/** What a redirect after an action tells the inbox to announce. */
const DONE = ['acknowledged', 'snoozed', 'resolved'] as const;
export type ActionDone = (typeof DONE)[number];

/** The inbox's filters as query parameters of its plain GET form. */
/** Every state, open or not: the filter's "All states". */
export const ALL_STATES = 'all';

export class InboxQuery {
  @OptionalOneOf('state', [...ALERT_STATES, ALL_STATES])
  state?: AlertState | typeof ALL_STATES;

  @OptionalOneOf('severity', SEVERITIES)
  severity?: Severity;

  @OptionalProgramName()
  program?: string;

  @IsOptional()
  @Matches(/^[^\s"%\\]{1,255}$/, { message: 'recipient must be one OpenEMR username' })
  recipient?: string;

  @OptionalPidText()
  pid?: string;

  @OptionalOneOf('done', DONE)
  done?: ActionDone;

  @IsOptional()
  @Matches(/^\d{1,18}$/, { message: 'alert must be an alert id' })
  alert?: string;
}

/** Rows one page shows at most; more means the filters should narrow it. */
export const INBOX_LIMIT = 200;

export function filtersOf(query: InboxQuery): AlertFilters {
  return {
    ...(query.state === ALL_STATES ? { states: ALERT_STATES } : { state: query.state }),
    severity: query.severity,
    program: query.program,
    recipient: query.recipient,
    pid: query.pid === undefined ? undefined : Number(query.pid),
    limit: INBOX_LIMIT,
  };
}

/** The filters as a query string, to come back to the same view after an action. */
export function filterQuery(query: InboxQuery): string {
  const params = new URLSearchParams();
  for (const key of ['state', 'severity', 'program', 'recipient', 'pid'] as const) {
    const value = query[key];
    if (value !== undefined) params.set(key, value);
  }
  return params.toString();
}

/** Where an action form returns: the inbox with its filters, or one alert's page. */
const BACK = /^\/alerts(\/\d{1,18})?(\?[A-Za-z0-9_.~%+=&-]*)?$/;

class ActionForm {
  @IsOptional()
  @IsString({ message: 'note must be text' })
  @MaxLength(500, { message: 'note must be at most 500 characters' })
  note?: string;

  @IsOptional()
  @Matches(BACK, { message: 'back must be a path of the alert pages' })
  back?: string;
}

export class AcknowledgeForm extends ActionForm {}

export class ResolveForm extends ActionForm {}

export class SnoozeForm extends ActionForm {
  @IsLocalDate('until')
  until!: string;
}

/** The page to return to, announcing what was done. */
export function afterAction(back: string | undefined, done: ActionDone, alertId: string): string {
  const url = new URL(back ?? '/alerts', 'http://vigil.invalid');
  url.searchParams.set('done', done);
  url.searchParams.set('alert', alertId);
  return `${url.pathname}${url.search}`;
}
