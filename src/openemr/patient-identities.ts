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

/** MariaDB may hand back a Date or a zero date; a date of birth is its calendar date or nothing. */
function dateOf(value: string | Date | null): string {
  if (value === null) return '';
  const text = value instanceof Date ? value.toISOString() : String(value);
  const date = text.slice(0, 10);
  return /^\d{4}-\d{2}-\d{2}$/.test(date) && date !== '0000-00-00' ? date : '';
}

/** Reads the names, dates of birth and chart numbers of several patients in one query. */
export class OpenEmrPatientIdentities {
  constructor(private readonly db: OpenEmrDatabase) {}

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
      found.set(Number(row.pid), {
        pid: Number(row.pid),
        fname: (row.fname ?? '').trim(),
        lname: (row.lname ?? '').trim(),
        dob: dateOf(row.DOB),
        pubpid: (row.pubpid ?? '').trim(),
      });
    }
    return found;
  }
}
