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
  emailOf: async () => null,
  sendPortalMessage: async () => false,
};
