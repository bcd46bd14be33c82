import { AlertTransitionRow, StoredAlert } from '../alerts/alert.entity';
import { AlertStepDue } from '../alerts/alert-step-due.entity';
import { DailyAggregateRow } from '../aggregates/daily-aggregate.entity';
import { AuditEvent } from '../audit/audit-event.entity';
import { ApiToken } from '../auth/api-token.entity';
import { StaffSignInAttempt } from '../auth/openemr-sign-in/sign-in-attempt.entity';
import { StaffSession } from '../auth/staff-session.entity';
import { StaffUser } from '../auth/staff-user.entity';
import { Invitation } from '../consent/invitation.entity';
import { OAuthAttempt } from '../consent/oauth-attempt.entity';
import { StoredSecret } from '../crypto/stored-secret.entity';
import { Delivery, DeliveryAlert } from '../delivery/delivery.entity';
import { ThrottleCounter } from '../http/throttle-counter.entity';
import { SyncState } from '../ingest/sync-state.entity';
import { Enrollment } from '../patients/enrollment.entity';
import { StoredRule, StoredRuleVersion } from '../rules/rule.entity';
import { RuleOutcome } from '../rules/rule-outcome.entity';
import { EvaluationDue } from '../rules/evaluation-due.entity';
import { PendingEvent } from '../events/pending-event.entity';
import { PatientRuleParams, RuleProgramSetting } from '../rules/rule-settings.entity';
import { WearableConnection } from '../wearables/wearable-connection.entity';

/** Every entity, listed once for Nest, the CLI and the TypeORM CLI. */
export const ENTITIES = [
  ApiToken,
  StaffUser,
  StaffSession,
  StaffSignInAttempt,
  AuditEvent,
  StoredSecret,
  DailyAggregateRow,
  Enrollment,
  Invitation,
  OAuthAttempt,
  WearableConnection,
  SyncState,
  StoredRule,
  StoredRuleVersion,
  RuleProgramSetting,
  PatientRuleParams,
  RuleOutcome,
  EvaluationDue,
  PendingEvent,
  StoredAlert,
  AlertTransitionRow,
  AlertStepDue,
  Delivery,
  DeliveryAlert,
  ThrottleCounter,
];
