import type { OpenEmrSql } from '../database/openemr-connection';

/**
 * What Vigil's OpenEMR database user must be allowed, per table and why. The
 * same list is in docs/alerts-and-delivery.md and deploy/mariadb/openemr-user.sql.
 */
export interface OpenEmrGrant {
  privilege: 'SELECT' | 'INSERT' | 'UPDATE';
  table: string;
  why: string;
  /** A statement that touches no row and fails only without the privilege. */
  probe: string;
}

const select = (table: string, columns: string, why: string): OpenEmrGrant => ({
  privilege: 'SELECT',
  table,
  why,
  probe: `SELECT ${columns} FROM ${table} WHERE 1 = 0`,
});

/**
 * INSERT ... SELECT of no row (from no table, so SELECT is not needed): the
 * server checks the privilege and writes nothing. Strict mode still wants every
 * NOT NULL column without a default named.
 */
const insert = (table: string, columns: string, why: string): OpenEmrGrant => ({
  privilege: 'INSERT',
  table,
  why,
  probe: `INSERT INTO ${table} (${columns}) SELECT ${columns
    .split(',')
    .map(() => 'NULL')
    .join(', ')} WHERE 1 = 0`,
});

const update = (table: string, column: string, why: string): OpenEmrGrant => ({
  privilege: 'UPDATE',
  table,
  why,
  probe: `UPDATE ${table} SET ${column} = ${column} WHERE 1 = 0`,
});

/** Database mode: routing, messages, reminders, acknowledgements, sign-in roles. */
export const DELIVERY_GRANTS: readonly OpenEmrGrant[] = [
  select('users', 'id, username, active, fname, lname', 'recipients, the sender, sign-in roles'),
  select(
    'patient_data',
    'pid, pubpid, fname, lname, email, providerID, allow_patient_portal',
    "the patient's provider and chart number",
  ),
  select('gacl_aro', 'id, section_value, value', 'ACL group members'),
  select('gacl_aro_groups', 'id, value', 'ACL group members'),
  select('gacl_groups_aro_map', 'group_id, aro_id', 'ACL group members'),
  select('list_options', 'list_id, option_id, seq', 'the note_type option of messages'),
  select(
    'pnotes',
    'id, pid, assigned_to, body, message_status, update_by, update_date',
    'a retry finds its own message; Done is read back',
  ),
  insert('pnotes', 'body', 'Message Center messages'),
  update('pnotes', 'message_status', "closing Vigil's other message of an alert taken in OpenEMR"),
  select(
    'dated_reminders',
    'dr_id, pid, dr_message_text, message_processed, processed_date, dr_processed_by',
    'a retry finds its own reminder; processing is read back',
  ),
  insert(
    'dated_reminders',
    'dr_from_ID, dr_message_text, dr_message_sent_date, dr_message_due_date, pid, message_priority, dr_processed_by',
    'dated reminders',
  ),
  update(
    'dated_reminders',
    'message_processed',
    "closing Vigil's other reminder of an alert taken in OpenEMR",
  ),
  select('dated_reminders_link', 'dr_id, to_id', 'a retry finds its own reminder'),
  insert('dated_reminders_link', 'dr_id, to_id', 'the recipient of a reminder'),
];

/** Only while the note_type option is missing: Vigil adds it on the first message. */
export const NOTE_TYPE_GRANT: OpenEmrGrant = insert(
  'list_options',
  'list_id',
  'adding the note_type option on the first message',
);

/** Portal invitations (OpenEMR's secure mail): the next mail_chain is MAX(id) + 1. */
export const PORTAL_GRANTS: readonly OpenEmrGrant[] = [
  select('patient_access_onsite', 'pid, portal_username', "the patient's portal account"),
  select('onsite_mail', 'id', 'the next mail chain number (MAX(id))'),
  insert('onsite_mail', 'body', 'portal invitations'),
];

/**
 * Which of the grants the connected user lacks. Each probe touches no row and
 * runs inside a transaction that is rolled back, so a check writes nothing.
 */
export async function missingGrants(
  transaction: <T>(work: (sql: OpenEmrSql) => Promise<T>) => Promise<T>,
  grants: readonly OpenEmrGrant[],
): Promise<OpenEmrGrant[]> {
  const missing: OpenEmrGrant[] = [];
  await transaction(async (sql) => {
    for (const grant of grants) {
      try {
        await (grant.privilege === 'SELECT' ? sql.select(grant.probe) : sql.update(grant.probe));
      } catch (error) {
        if (!isDenied(error)) throw error;
        missing.push(grant);
      }
    }
    throw new RolledBack();
  }).catch((error: unknown) => {
    if (!(error instanceof RolledBack)) throw error;
  });
  return missing;
}

class RolledBack extends Error {}

/**
 * OpenEMR's database refused a statement for want of a privilege (a DBA revoked
 * it, or never granted it): which one, in the words a DBA acts on. Retrying
 * helps only once the grant is back, so callers wait with backoff.
 */
export class OpenEmrGrantMissing extends Error {
  constructor(
    readonly privilege: string | null,
    readonly table: string | null,
  ) {
    const what = `${privilege ?? 'a privilege'} on ${table ?? "OpenEMR's database"}`;
    super(
      `OpenEMR's database user lacks ${what}: GRANT ${privilege ?? '<privilege>'} ON <openemr database>.${table ?? '<table>'} TO <Vigil's OpenEMR user> (deploy/mariadb/openemr-user.sql lists every grant)`,
    );
    this.name = 'OpenEmrGrantMissing';
  }
}

/**
 * The missing grant behind a refused statement, or null for any other error.
 * MariaDB says `INSERT command denied to user 'u'@'h' for table \`db\`.\`pnotes\``
 * (or `... for column 'c' in table 'pnotes'`); only the privilege and the
 * table are kept, never the statement or its values.
 */
export function grantMissingFrom(error: unknown): OpenEmrGrantMissing | null {
  if (error instanceof OpenEmrGrantMissing) return error;
  if (!isDenied(error)) return null;
  const driver = (error as { driverError?: { message?: unknown } }).driverError;
  const text = String(driver?.message ?? (error as { message?: unknown }).message ?? '');
  const privilege = /^(\w+) command denied/i.exec(text)?.[1]?.toUpperCase() ?? null;
  const table =
    /\btable [`'"]?(?:[^`'".\s]+[`'"]?\.[`'"]?)?([^`'".\s]+)[`'"]?\s*$/i.exec(text)?.[1] ?? null;
  return new OpenEmrGrantMissing(privilege, table);
}

/** MariaDB/MySQL: ER_TABLEACCESS_DENIED_ERROR, ER_COLUMNACCESS_DENIED_ERROR, ER_DBACCESS_DENIED_ERROR. */
function isDenied(error: unknown): boolean {
  const code =
    (error as { driverError?: { code?: unknown } }).driverError?.code ??
    (error as { code?: unknown }).code;
  return (
    code === 'ER_TABLEACCESS_DENIED_ERROR' ||
    code === 'ER_COLUMNACCESS_DENIED_ERROR' ||
    code === 'ER_DBACCESS_DENIED_ERROR'
  );
}

export function grantWords(grant: OpenEmrGrant): string {
  return `${grant.privilege} on ${grant.table} (${grant.why})`;
}
