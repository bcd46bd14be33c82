import 'reflect-metadata';
import { AuditTrail } from '../audit/audit-trail';
import { AuditEventRepository } from '../audit/audit-event.repository';
import { ApiTokenRepository } from '../auth/api-token.repository';
import { ApiTokens } from '../auth/api-tokens';
import { StaffSessionRepository } from '../auth/staff-session.repository';
import { StaffUserRepository } from '../auth/staff-user.repository';
import { StaffSessions } from '../auth/staff-sessions';
import { ThrottleCounters } from '../http/throttle-counters.repository';
import { Environment, loadEnvironment } from '../config/environment';
import { SecretStore } from '../crypto/secret-store';
import { StoredSecretRepository } from '../crypto/stored-secret.repository';
import { migrateDatabase } from '../database/migrate';
import { type Database, openDatabase } from '../database/open-database';
import { Transactions } from '../database/transactions';
import { InvitationDelivery } from '../consent/invitation-delivery';
import { InvitationRepository } from '../consent/invitation.repository';
import { Invitations } from '../consent/invitations';
import { JsonLogger } from '../logging/json-logger';
import { Mailer } from '../mail/mailer';
import { OpenEmrDatabase } from '../openemr/openemr-database';
import { OpenEmrDirectory } from '../openemr/openemr-directory';
import { PortalMail } from '../openemr/portal-mail';
import { EnrollmentRepository } from '../patients/enrollment.repository';
import { Enrollments } from '../patients/enrollments';
import { ConnectionRepository } from '../wearables/connection.repository';
import { patientDirectoryFor } from '../patients/openemr-patient-directory';
import { SyncSchedule } from '../ingest/sync-schedule';
import { SyncStateRepository } from '../ingest/sync-state.repository';

/**
 * What CLI commands work with: the same data source and services as the
 * service, built without Nest so a command starts fast and starts no workers.
 */
export interface CliContext {
  env: Environment;
  dataSource: Database;
  audit: AuditTrail;
  tokens: ApiTokens;
  staff: StaffSessions;
  secrets: SecretStore;
  enrollments: Enrollments;
  invitations: Invitations;
  close(): Promise<void>;
}

export async function openCliContext(
  options: { migrate?: boolean; env?: Environment } = {},
): Promise<CliContext> {
  const env = options.env ?? loadEnvironment();
  const dataSource = await openDatabase(env);
  if (options.migrate !== false) await migrateDatabase(dataSource);
  const audit = new AuditTrail(new AuditEventRepository(dataSource));
  // Warnings (a failed invitation delivery) go to stderr, away from the command's output.
  const logger = new JsonLogger(env.LOG_LEVEL, (line) => process.stderr.write(`${line}\n`));
  const mailer = new Mailer(env);
  const openEmr = OpenEmrDatabase.fromEnvironment(env);
  const directory = patientDirectoryFor(
    openEmr,
    new OpenEmrDirectory(openEmr),
    new PortalMail(openEmr, audit, env.OPENEMR_SERVICE_USERNAME, env.CLINIC_TIME_ZONE),
  );
  const transactions = new Transactions(dataSource);
  const enrollmentRows = new EnrollmentRepository(dataSource);
  const enrollments = new Enrollments(
    transactions,
    enrollmentRows,
    new ConnectionRepository(dataSource),
    new SyncSchedule(new SyncStateRepository(dataSource, env)),
    audit,
    directory,
  );
  return {
    env,
    dataSource,
    audit,
    tokens: new ApiTokens(transactions, new ApiTokenRepository(dataSource), audit),
    staff: new StaffSessions(
      transactions,
      new StaffUserRepository(dataSource),
      new StaffSessionRepository(dataSource),
      audit,
      env,
      new ThrottleCounters(dataSource),
    ),
    secrets: new SecretStore(new StoredSecretRepository(dataSource), env),
    enrollments,
    invitations: new Invitations(
      transactions,
      new InvitationRepository(dataSource),
      enrollmentRows,
      env,
      enrollments,
      audit,
      new InvitationDelivery(env, mailer, directory, logger),
    ),
    close: async () => {
      mailer.close();
      await openEmr.close();
      await dataSource.destroy();
    },
  };
}
