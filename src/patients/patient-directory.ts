/** A message for the patient's OpenEMR portal inbox. */
export interface PortalMessage {
  subject: string;
  body: string;
}

/**
 * What enrollment needs to know about patients, who live in OpenEMR. Without
 * an OpenEMR database Vigil cannot check a pid or reach the patient, so it
 * trusts staff and hands them the invitation to print.
 */
export interface PatientDirectory {
  /** False when no OpenEMR database is configured: nothing can be checked or delivered. */
  readonly configured: boolean;
  patientExists(pid: number): Promise<boolean>;
  /** The patient's chart number (`patient_data.pubpid`), or null when unknown or empty. */
  chartNumber(pid: number): Promise<string | null>;
  /** The patient's email address in OpenEMR, or null. Never stored by Vigil. */
  emailOf(pid: number): Promise<string | null>;
  /** Writes a portal secure-mail message; false when the patient has no portal access. */
  sendPortalMessage(pid: number, message: PortalMessage): Promise<boolean>;
}

export const PATIENT_DIRECTORY = Symbol('PatientDirectory');

/** The directory when OPENEMR_DATABASE_URL is unset. */
export const NO_PATIENT_DIRECTORY: PatientDirectory = {
  configured: false,
  patientExists: async () => true,
  chartNumber: async () => null,
  emailOf: async () => null,
  sendPortalMessage: async () => false,
};

/**
 * Chart numbers of several patients, for a page that lists them. OpenEMR being
 * unreachable must not take the page down: the pids are shown alone then.
 */
export async function chartNumbers(
  directory: PatientDirectory,
  pids: readonly number[],
): Promise<Map<number, string>> {
  const found = new Map<number, string>();
  if (!directory.configured) return found;
  try {
    for (const pid of new Set(pids)) {
      const chart = await directory.chartNumber(pid);
      if (chart !== null) found.set(pid, chart);
    }
  } catch {
    return found;
  }
  return found;
}
