import { JsonLogger } from '../logging/json-logger';
import type { OpenEmrDatabase } from './openemr-database';

/** Who a patient is, as OpenEMR's `patient_data` says: for staff eyes only, never logged or kept. */
export interface OpenEmrPatientIdentity {
  pid: number;
  fname: string;
  lname: string;
  /** `patient_data.DOB` as YYYY-MM-DD; empty when OpenEMR has none. */
  dob: string;
  /** `patient_data.pubpid`, the chart number; OpenEMR allows it to be empty. */
  pubpid: string;
}

interface IdentityRow {
  pid: number | string;
  fname: string | null;
  lname: string | null;
  DOB: string | Date | null;
  pubpid: string | null;
}

/**
 * MariaDB may hand back a Date or a zero date; a date of birth is its calendar
 * date, or null when the row holds none (NULL, empty, `0000-00-00`, anything else).
 */
function dateOf(value: string | Date | null): string | null {
  if (value === null) return null;
  const text = value instanceof Date ? value.toISOString() : String(value);
  const date = text.slice(0, 10);
  return /^\d{4}-\d{2}-\d{2}$/.test(date) && date !== '0000-00-00' ? date : null;
}

/**
 * Reads the names, dates of birth and chart numbers of several patients in
 * one query. A row without a usable date of birth is shown without one and
 * logged once per process (table, pid and column, never a value), as pages
 * read the same patients again and again.
 */
export class OpenEmrPatientIdentities {
  private readonly warnedDob = new Set<number>();

  constructor(
    private readonly db: OpenEmrDatabase,
    private readonly logger: Pick<JsonLogger, 'warn'> = new JsonLogger('warn'),
  ) {}

  async read(pids: readonly number[]): Promise<Map<number, OpenEmrPatientIdentity>> {
    const wanted = [...new Set(pids)];
    const found = new Map<number, OpenEmrPatientIdentity>();
    if (wanted.length === 0) return found;
    const rows = await this.db.run((sql) =>
      sql.select<IdentityRow>(
        `SELECT pid, fname, lname, DOB, pubpid FROM patient_data WHERE pid IN (${wanted.map(() => '?').join(', ')})`,
        wanted,
      ),
    );
    for (const row of rows) {
      const pid = Number(row.pid);
      const dob = dateOf(row.DOB);
      if (dob === null) this.warnDob(pid);
      found.set(pid, {
        pid,
        fname: (row.fname ?? '').trim(),
        lname: (row.lname ?? '').trim(),
        dob: dob ?? '',
        pubpid: (row.pubpid ?? '').trim(),
      });
    }
    return found;
  }

  private warnDob(pid: number): void {
    if (this.warnedDob.has(pid)) return;
    this.warnedDob.add(pid);
    this.logger.warn(
      `OpenEMR patient_data row ${pid} has an unusable DOB; shown without a date of birth (logged once per process)`,
      'OpenEmrPatientIdentities',
    );
  }
}
