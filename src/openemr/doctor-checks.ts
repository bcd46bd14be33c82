import type { Environment } from '../config/environment';
import { redactText } from '../logging/redact';
import { OpenEmrDatabase, type OpenEmrSql } from './openemr-database';
import { OpenEmrDirectory } from './openemr-directory';
import {
  DELIVERY_GRANTS,
  grantWords,
  missingGrants,
  NOTE_TYPE_GRANT,
  PORTAL_GRANTS,
  type OpenEmrGrant,
} from './openemr-grants';

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
    // A probe that fails for any reason but a refused grant means this is not a working OpenEMR.
    const missing = await grantFindings(db, env.OPENEMR_NOTE_TYPE);
    findings.push({ ok: true, what: `OpenEMR's database answers (${db.engine})` });
    findings.push(...missing.findings);
    const user = missing.usersReadable
      ? await new OpenEmrDirectory(db).findUserByUsername(env.OPENEMR_SERVICE_USERNAME)
      : undefined;
    if (user !== undefined) {
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
    }
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
      advice: `${redactText(error instanceof Error ? error.message : String(error))} - check OPENEMR_DATABASE_URL (the grants it needs: deploy/mariadb/openemr-user.sql)`,
    });
  } finally {
    await db.close();
  }
  return findings;
}

/**
 * Proves each grant delivery and portal invitations need, as the configured
 * user, with probes that touch no row inside a rolled-back transaction, and
 * names each one missing. INSERT on list_options only matters while the
 * note_type option is absent (Vigil adds it on the first message).
 */
async function grantFindings(
  db: OpenEmrDatabase,
  noteType: string,
): Promise<{ findings: OpenEmrFinding[]; usersReadable: boolean }> {
  const transaction = <T>(work: (sql: OpenEmrSql) => Promise<T>): Promise<T> =>
    db.transaction(work);
  const missing = await missingGrants(transaction, [...DELIVERY_GRANTS, ...PORTAL_GRANTS]);
  const optionsReadable = !missing.some((g) => g.table === 'list_options');
  const noteTypeThere =
    optionsReadable &&
    (
      await db.run((sql) =>
        sql.select(
          "SELECT option_id FROM list_options WHERE list_id = 'note_type' AND option_id = ?",
          [noteType],
        ),
      )
    ).length > 0;
  const findings: OpenEmrFinding[] = [];
  if (optionsReadable && !noteTypeThere) {
    const [cannotAdd] = await missingGrants(transaction, [NOTE_TYPE_GRANT]);
    findings.push(
      cannotAdd === undefined
        ? {
            ok: true,
            what: `The note_type option "${noteType}" is added on the first message (INSERT on list_options is granted)`,
          }
        : missingFinding(
            cannotAdd,
            `or add the option yourself in OpenEMR (Admin > Forms > Lists > Patient Note Types, id "${noteType}")`,
          ),
    );
  }
  findings.push(...missing.map((grant) => missingFinding(grant)));
  if (missing.length === 0) {
    findings.push({
      ok: true,
      what: `OpenEMR's database user has the ${DELIVERY_GRANTS.length + PORTAL_GRANTS.length} grants delivery and portal invitations need`,
    });
  }
  return { findings, usersReadable: !missing.some((g) => g.table === 'users') };
}

function missingFinding(grant: OpenEmrGrant, alternative?: string): OpenEmrFinding {
  return {
    ok: false,
    what: `OpenEMR's database user lacks ${grantWords(grant)}`,
    advice: `GRANT ${grant.privilege} ON <openemr database>.${grant.table} TO <Vigil's OpenEMR user>${alternative ? `, ${alternative}` : ''}; deploy/mariadb/openemr-user.sql lists every grant`,
  };
}
