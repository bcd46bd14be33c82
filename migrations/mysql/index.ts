import { Foundation1764355200000 } from './1764355200000-foundation';
import { Consent1764400000000 } from './1764400000000-consent';
import { DailyAggregates1764410000000 } from './1764410000000-daily-aggregates';
import { Ingest1764415000000 } from './1764415000000-ingest';
import { Rules1764420000000 } from './1764420000000-rules';
import { Alerts1764430000000 } from './1764430000000-alerts';
import { StaffSignIn1764440000000 } from './1764440000000-staff-sign-in';
import { OpenEmrSignIn1764450000000 } from './1764450000000-openemr-sign-in';
import { AlertApplication1764460000000 } from './1764460000000-alert-application';
import { EvaluationsDue1764470000000 } from './1764470000000-evaluations-due';
import { SyncHistoryTypes1764480000000 } from './1764480000000-sync-history-types';
import { SyncRereadSpentOn1765017000000 } from './1765017000000-sync-reread-spent-on';
import { PendingEvents1765014000000 } from './1765014000000-pending-events';
import { Throttling1765019000000 } from './1765019000000-throttling';
import { SyncRereadDataTypes1766017000001 } from './1766017000001-sync-reread-data-types';
import { DurableWork1767010000000 } from './1767010000000-durable-work';
import { AlertStepsDue1767030000000 } from './1767030000000-alert-steps-due';
import { SyncQueue1767040000000 } from './1767040000000-sync-queue';
import { MinutesFingerprint1767070000000 } from './1767070000000-minutes-fingerprint';
import { NarrowLocks1767080000000 } from './1767080000000-narrow-locks';

/** In order. A new migration is added here and in ../sqlite with the same name. */
export const MYSQL_MIGRATIONS = [
  Foundation1764355200000,
  Consent1764400000000,
  DailyAggregates1764410000000,
  Ingest1764415000000,
  Rules1764420000000,
  Alerts1764430000000,
  StaffSignIn1764440000000,
  OpenEmrSignIn1764450000000,
  AlertApplication1764460000000,
  EvaluationsDue1764470000000,
  SyncHistoryTypes1764480000000,
  PendingEvents1765014000000,
  SyncRereadSpentOn1765017000000,
  Throttling1765019000000,
  SyncRereadDataTypes1766017000001,
  DurableWork1767010000000,
  AlertStepsDue1767030000000,
  SyncQueue1767040000000,
  MinutesFingerprint1767070000000,
  NarrowLocks1767080000000,
];
