import type { DataSource } from 'typeorm';

/**
 * What Vigil's own MariaDB/MySQL user needs on its database, as
 * deploy/mariadb/vigil-user.sql grants it: rows for the work, schema rights
 * because the service applies pending migrations at start.
 */
export const VIGIL_PRIVILEGES = [
  'SELECT',
  'INSERT',
  'UPDATE',
  'DELETE',
  'CREATE',
  'ALTER',
  'INDEX',
  'DROP',
  'REFERENCES',
] as const;

/** The needed privileges not among those held (global or on the database), in the order above. */
export function missingPrivileges(held: Iterable<string>): string[] {
  const have = new Set([...held].map((p) => p.toUpperCase()));
  if (have.has('ALL PRIVILEGES')) return [];
  return VIGIL_PRIVILEGES.filter((p) => !have.has(p));
}

/**
 * The privileges the connected user holds on the connected database: its
 * global ones and those granted on a schema pattern that matches the database
 * (information_schema stores `vigil\_%` patterns as written, so LIKE applies).
 * Privileges held only through a role are not seen; doctor then says what it
 * could not confirm rather than guessing.
 */
export async function heldPrivileges(dataSource: DataSource): Promise<string[]> {
  const grantee =
    "CONCAT('''', SUBSTRING_INDEX(CURRENT_USER(), '@', 1), '''@''', SUBSTRING_INDEX(CURRENT_USER(), '@', -1), '''')";
  const rows: { privilege: string }[] = await dataSource.query(
    `SELECT PRIVILEGE_TYPE AS privilege FROM information_schema.USER_PRIVILEGES WHERE GRANTEE = ${grantee}
     UNION
     SELECT PRIVILEGE_TYPE FROM information_schema.SCHEMA_PRIVILEGES
      WHERE GRANTEE = ${grantee} AND DATABASE() LIKE TABLE_SCHEMA`,
  );
  return rows.map((r) => r.privilege);
}
