import type { OpenEmrPatientIdentity } from '../openemr/patient-identities';

/**
 * A patient as staff must see them to be sure who it is: name, date of birth
 * and chart number from OpenEMR. Vigil keeps none of it; it is read when a page
 * or an API response needs it, never logged, mailed or written into OpenEMR.
 */
export interface PatientIdentity {
  pid: number;
  /** "Wei Chen"; null when it could not be read (then `problem` says why). */
  name: string | null;
  /** YYYY-MM-DD; null when unknown. */
  dateOfBirth: string | null;
  chartNumber: string | null;
  /** Why the name is missing, in words staff can act on; null when it was read. */
  problem: string | null;
}

/** Where identities come from: OpenEMR's patient_data, or nowhere when it is not configured. */
export interface IdentitySource {
  read(pids: readonly number[]): Promise<Map<number, OpenEmrPatientIdentity>>;
}

export const IDENTITY_SOURCE = Symbol('IdentitySource');

/** Names change rarely; a minute is short enough that a correction in OpenEMR shows soon. */
export const IDENTITY_CACHE_MS = 60_000;
const CACHE_LIMIT = 5_000;

export const NO_OPENEMR = 'name not available: OpenEMR is not configured';
export const OPENEMR_UNREACHABLE = 'name not available: OpenEMR did not answer';
export const NOT_IN_OPENEMR = 'name not available: OpenEMR has no patient with this pid';
export const NAMELESS = 'name not available: OpenEMR has no name for this patient';

/** One row of patient_data as staff read it. */
export function identityOf(pid: number, row: OpenEmrPatientIdentity | undefined): PatientIdentity {
  if (row === undefined)
    return { pid, name: null, dateOfBirth: null, chartNumber: null, problem: NOT_IN_OPENEMR };
  const name = [row.fname.trim(), row.lname.trim()].filter((part) => part !== '').join(' ');
  return {
    pid,
    name: name === '' ? null : name,
    dateOfBirth: row.dob === '' ? null : row.dob,
    chartNumber: row.pubpid.trim() === '' ? null : row.pubpid.trim(),
    problem: name === '' ? NAMELESS : null,
  };
}

export function unreadable(pid: number, problem: string): PatientIdentity {
  return { pid, name: null, dateOfBirth: null, chartNumber: null, problem };
}

/**
 * Identities of the patients a page or a response lists, read through a short
 * cache. OpenEMR being down never takes a page down: each patient then says
 * that the name could not be read (never a blank), and nothing is cached.
 */
export class PatientIdentities {
  private readonly cache = new Map<number, { identity: PatientIdentity; readAt: number }>();

  constructor(
    private readonly source: IdentitySource | null,
    private readonly clock: () => number = Date.now,
  ) {}

  async of(pids: readonly number[]): Promise<Map<number, PatientIdentity>> {
    const wanted = [...new Set(pids)];
    const found = new Map<number, PatientIdentity>();
    if (this.source === null) {
      for (const pid of wanted) found.set(pid, unreadable(pid, NO_OPENEMR));
      return found;
    }
    const now = this.clock();
    const missing: number[] = [];
    for (const pid of wanted) {
      const cached = this.cache.get(pid);
      if (cached && now - cached.readAt < IDENTITY_CACHE_MS) found.set(pid, cached.identity);
      else missing.push(pid);
    }
    if (missing.length === 0) return found;
    let rows: Map<number, OpenEmrPatientIdentity>;
    try {
      rows = await this.source.read(missing);
    } catch {
      for (const pid of missing) found.set(pid, unreadable(pid, OPENEMR_UNREACHABLE));
      return found;
    }
    for (const pid of missing) {
      const identity = identityOf(pid, rows.get(pid));
      found.set(pid, identity);
      this.remember(pid, identity, now);
    }
    return found;
  }

  async one(pid: number): Promise<PatientIdentity> {
    return (await this.of([pid])).get(pid)!;
  }

  /** Each item with who its patient is, for staff API responses. */
  async named<T extends { pid: number }>(
    items: T[],
  ): Promise<(T & { patient: PatientIdentity })[]> {
    const found = await this.of(items.map((item) => item.pid));
    return items.map((item) => ({ ...item, patient: found.get(item.pid)! }));
  }

  private remember(pid: number, identity: PatientIdentity, now: number): void {
    this.cache.delete(pid);
    if (this.cache.size >= CACHE_LIMIT) {
      const oldest = this.cache.keys().next().value;
      if (oldest !== undefined) this.cache.delete(oldest);
    }
    this.cache.set(pid, { identity, readAt: now });
  }
}

/** "Wei Chen, born 1963-01-30, chart 1004", or the reason the name is missing: for pages' titles. */
export function identityWords(identity: PatientIdentity): string {
  const parts = [identity.name ?? `Patient ${identity.pid} (${identity.problem})`];
  if (identity.dateOfBirth) parts.push(`born ${identity.dateOfBirth}`);
  if (identity.chartNumber) parts.push(`chart ${identity.chartNumber}`);
  if (identity.name) parts.push(`pid ${identity.pid}`);
  return parts.join(', ');
}
