import type { OpenEmrUser, RoutingFacts } from '../alerts/routing';
import type { RecipientSpec } from '../rules/rule-definition';
import { JsonLogger } from '../logging/json-logger';
import type { OpenEmrDatabase, OpenEmrSql } from './openemr-database';

/** The parts of `patient_data` Vigil reads; names are looked up here when needed, never kept. */
export interface OpenEmrPatient {
  pid: number;
  /** Chart number; OpenEMR allows it to be empty. */
  pubpid: string;
  fname: string;
  lname: string;
  email: string;
  /** `patient_data.providerID`; null when unset. */
  providerId: number | null;
  /** `allow_patient_portal = 'YES'`. */
  allowPatientPortal: boolean;
}

interface UserRow {
  id: number | string;
  username: string | null;
  active: number | string | null;
}

const USER_COLUMNS = 'u.id, u.username, u.active';

/** What a bad OpenEMR row is reported with: ids and the column, never a name. */
type WarnBadRow = (table: string, id: number, column: string, fallback: string) => void;

/** A user without a username can't be addressed in OpenEMR, so it counts as inactive. */
function toUser(row: UserRow, warn: WarnBadRow): OpenEmrUser {
  const id = Number(row.id);
  const username = (row.username ?? '').trim();
  if (username === '') warn('users', id, 'username', 'treated as inactive');
  if (row.active === null) warn('users', id, 'active', 'treated as inactive');
  return { id, username, active: username !== '' && Number(row.active) === 1 };
}

function placeholders(count: number): string {
  return Array.from({ length: count }, () => '?').join(', ');
}

/**
 * Read-only lookups in OpenEMR: patients, users and ACL group members. Every
 * call reads OpenEMR afresh (providers change, staff leave), and runs in the
 * caller's unit of work when given one.
 */
export class OpenEmrDirectory {
  constructor(
    private readonly db: OpenEmrDatabase,
    private readonly logger: Pick<JsonLogger, 'warn'> = new JsonLogger('warn'),
  ) {}

  private readonly warnBadRow: WarnBadRow = (table, id, column, fallback) => {
    this.logger.warn(
      `OpenEMR ${table} row ${id} has an unusable ${column}; ${fallback}`,
      'OpenEmrDirectory',
    );
  };

  async findPatient(pid: number, sql?: OpenEmrSql): Promise<OpenEmrPatient | null> {
    const rows = await this.on(sql, (q) =>
      q.select<{
        pid: number | string;
        pubpid: string | null;
        fname: string | null;
        lname: string | null;
        email: string | null;
        providerID: number | string | null;
        allow_patient_portal: string | null;
      }>(
        'SELECT pid, pubpid, fname, lname, email, providerID, allow_patient_portal FROM patient_data WHERE pid = ?',
        [pid],
      ),
    );
    const row = rows[0];
    if (row === undefined) return null;
    const provider = row.providerID === null ? 0 : Number(row.providerID);
    if (row.providerID !== null && !(Number.isInteger(provider) && provider >= 0)) {
      this.warnBadRow(
        'patient_data',
        Number(row.pid),
        'providerID',
        'routed as without a provider',
      );
    }
    return {
      pid: Number(row.pid),
      pubpid: row.pubpid ?? '',
      fname: row.fname ?? '',
      lname: row.lname ?? '',
      email: row.email ?? '',
      providerId: Number.isInteger(provider) && provider > 0 ? provider : null,
      allowPatientPortal: (row.allow_patient_portal ?? '').toUpperCase() === 'YES',
    };
  }

  async findUserById(id: number, sql?: OpenEmrSql): Promise<OpenEmrUser | null> {
    const rows = await this.on(sql, (q) =>
      q.select<UserRow>(`SELECT ${USER_COLUMNS} FROM users u WHERE u.id = ?`, [id]),
    );
    return rows[0] === undefined ? null : toUser(rows[0], this.warnBadRow);
  }

  async findUserByUsername(username: string, sql?: OpenEmrSql): Promise<OpenEmrUser | null> {
    return (await this.findUsersByUsername([username], sql)).get(username) ?? null;
  }

  /** Users found, by username; usernames not in OpenEMR are simply absent. */
  async findUsersByUsername(
    usernames: readonly string[],
    sql?: OpenEmrSql,
  ): Promise<Map<string, OpenEmrUser>> {
    const wanted = [...new Set(usernames)];
    if (wanted.length === 0) return new Map();
    const rows = await this.on(sql, (q) =>
      q.select<UserRow>(
        `SELECT ${USER_COLUMNS} FROM users u WHERE u.username IN (${placeholders(wanted.length)}) ORDER BY u.id`,
        wanted,
      ),
    );
    const found = new Map<string, OpenEmrUser>();
    for (const user of rows.map((row) => toUser(row, this.warnBadRow)))
      if (!found.has(user.username)) found.set(user.username, user);
    return found;
  }

  /**
   * Members of OpenEMR ACL groups (`gacl_aro_groups.value` such as `clin`),
   * active or not: routing decides who can be reached.
   */
  async groupMembers(
    groups: readonly string[],
    sql?: OpenEmrSql,
  ): Promise<Map<string, OpenEmrUser[]>> {
    const wanted = [...new Set(groups)];
    const members = new Map<string, OpenEmrUser[]>(wanted.map((group) => [group, []]));
    if (wanted.length === 0) return members;
    const rows = await this.on(sql, (q) =>
      q.select<UserRow & { grp: string }>(
        `SELECT g.value AS grp, ${USER_COLUMNS}
           FROM gacl_aro_groups g
           JOIN gacl_groups_aro_map m ON m.group_id = g.id
           JOIN gacl_aro a ON a.id = m.aro_id AND a.section_value = 'users'
           JOIN users u ON u.username = a.value
          WHERE g.value IN (${placeholders(wanted.length)})
          ORDER BY g.value, u.id`,
        wanted,
      ),
    );
    for (const row of rows) {
      const list = members.get(row.grp) ?? [];
      if (!list.some((user) => user.id === Number(row.id))) list.push(toUser(row, this.warnBadRow));
      members.set(row.grp, list);
    }
    return members;
  }

  /** What routing needs for one patient and one rule's recipients, read now. */
  async routingFacts(
    pid: number,
    named: readonly RecipientSpec[],
    fallbackUsernames: readonly string[],
    sql?: OpenEmrSql,
  ): Promise<RoutingFacts> {
    return this.on(sql, async (q) => {
      let provider: OpenEmrUser | null = null;
      if (named.includes('provider')) {
        const patient = await this.findPatient(pid, q);
        if (patient?.providerId != null) {
          provider = await this.findUserById(patient.providerId, q);
          if (provider === null) {
            this.warnBadRow(
              'patient_data',
              pid,
              'providerID',
              'no such user, routed as without a provider',
            );
          }
        }
      }
      const groups = named.filter((spec) => spec.startsWith('group:')).map((s) => s.slice(6));
      const usernames = named.filter((spec) => spec.startsWith('user:')).map((s) => s.slice(5));
      return {
        provider,
        groupMembers: await this.groupMembers(groups, q),
        users: await this.findUsersByUsername([...usernames, ...fallbackUsernames], q),
      };
    });
  }

  private on<T>(sql: OpenEmrSql | undefined, work: (q: OpenEmrSql) => Promise<T>): Promise<T> {
    return sql === undefined ? this.db.run(work) : work(sql);
  }
}
