import type { Environment } from '../config/environment';
import { redactText } from '../logging/redact';
import { OpenEmrDatabase } from './openemr-database';
import { OpenEmrDirectory } from './openemr-directory';

export interface OpenEmrFinding {
  ok: boolean;
  what: string;
  advice?: string;
}

/** What `doctor` says about the OpenEMR side: the delivery mode, the connection, the service account. */
export async function diagnoseOpenEmr(
  env: Environment,
  db: OpenEmrDatabase = OpenEmrDatabase.fromEnvironment(env),
): Promise<OpenEmrFinding[]> {
  if (env.openEmrMode === 'none') {
    return [
      {
        ok: false,
        what: 'No OpenEMR delivery is configured: alerts wait in the outbox',
        advice: 'Set OPENEMR_DATABASE_URL (database mode) or OPENEMR_API_BASE_URL (api mode)',
      },
    ];
  }
  if (env.openEmrMode === 'api') {
    return [
      {
        ok: true,
        what: `Delivery mode "api" through ${env.OPENEMR_API_BASE_URL}: Message Center messages only. OpenEMR's API has no dated reminders, so rules that ask for reminders get their message only`,
      },
    ];
  }
  const findings: OpenEmrFinding[] = [];
  try {
    const user = await new OpenEmrDirectory(db).findUserByUsername(env.OPENEMR_SERVICE_USERNAME);
    findings.push({ ok: true, what: `OpenEMR's database answers (${db.engine})` });
    findings.push(
      user === null
        ? {
            ok: false,
            what: `OpenEMR has no user "${env.OPENEMR_SERVICE_USERNAME}" to send alerts as`,
            advice:
              'Create that user in OpenEMR (Admin > Users), or set OPENEMR_SERVICE_USERNAME to an existing one',
          }
        : !user.active
          ? {
              ok: false,
              what: `OpenEMR user "${env.OPENEMR_SERVICE_USERNAME}" is inactive`,
              advice: 'Activate it in OpenEMR: messages from an inactive sender are refused',
            }
          : {
              ok: true,
              what: `Alerts are sent as OpenEMR user "${user.username}" (id ${user.id})`,
            },
    );
    if (env.OPENEMR_API_BASE_URL) {
      findings.push({
        ok: true,
        what: 'OPENEMR_API_BASE_URL is set too; database mode is used (it also writes reminders)',
      });
    }
  } catch (error) {
    findings.push({
      ok: false,
      what: "OpenEMR's database does not answer",
      advice: `${redactText(error instanceof Error ? error.message : String(error))} - check OPENEMR_DATABASE_URL and the user's rights (SELECT on users, patient_data, gacl_*, list_options; SELECT/INSERT/UPDATE on pnotes, dated_reminders, dated_reminders_link)`,
    });
  } finally {
    await db.close();
  }
  return findings;
}
