import type { OpenEmrDatabase } from '../openemr/openemr-database';
import type { OpenEmrDirectory } from '../openemr/openemr-directory';
import { PortalMail, PortalMailRefused } from '../openemr/portal-mail';
import { NO_PATIENT_DIRECTORY, PatientDirectory, PortalMessage } from './patient-directory';

/** Patients as OpenEMR's own database knows them (OPENEMR_DATABASE_URL). */
export class OpenEmrPatientDirectory implements PatientDirectory {
  readonly configured = true;

  constructor(
    private readonly directory: OpenEmrDirectory,
    private readonly portal: PortalMail,
  ) {}

  async patientExists(pid: number): Promise<boolean> {
    return (await this.directory.findPatient(pid)) !== null;
  }

  async emailOf(pid: number): Promise<string | null> {
    const email = (await this.directory.findPatient(pid))?.email.trim() ?? '';
    return /^[^@\s]+@[^@\s]+$/.test(email) ? email : null;
  }

  async sendPortalMessage(pid: number, message: PortalMessage): Promise<boolean> {
    try {
      await this.portal.send(pid, message.subject, message.body);
      return true;
    } catch (error) {
      // A patient without a portal account is normal: the link still reaches them another way.
      if (error instanceof PortalMailRefused && error.reason !== 'service_account_unknown') {
        return false;
      }
      throw error;
    }
  }
}

/** OpenEMR's directory when its database is configured, else one that checks nothing. */
export function patientDirectoryFor(
  db: OpenEmrDatabase,
  directory: OpenEmrDirectory,
  portal: PortalMail,
): PatientDirectory {
  return db.isConfigured ? new OpenEmrPatientDirectory(directory, portal) : NO_PATIENT_DIRECTORY;
}
