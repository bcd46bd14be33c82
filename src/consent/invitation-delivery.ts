import { Inject, Injectable } from '@nestjs/common';
import { Environment } from '../config/environment';
import { JsonLogger } from '../logging/json-logger';
import { Mailer } from '../mail/mailer';
import { PATIENT_DIRECTORY, PatientDirectory } from '../patients/patient-directory';

export interface Delivered {
  /** Written to the patient's OpenEMR portal secure mail. */
  portal: boolean;
  /** Emailed to the address in the patient's OpenEMR chart. */
  email: boolean;
}

/**
 * Takes links to the patient where they already read the clinic's messages.
 * Texts carry no health data and no names: mail leaves the clinic.
 */
@Injectable()
export class InvitationDelivery {
  constructor(
    private readonly env: Environment,
    private readonly mailer: Mailer,
    @Inject(PATIENT_DIRECTORY) private readonly directory: PatientDirectory,
    private readonly logger: JsonLogger,
  ) {}

  invitation(pid: number, url: string, expiresAt: Date): Promise<Delivered> {
    const clinic = this.env.CLINIC_NAME;
    const subject = `${clinic}: connect your Fitbit`;
    const text = [
      `${clinic} invites you to share your Fitbit data with your care team.`,
      '',
      'Open this link to read what would be shared and to decide:',
      url,
      '',
      `The link works once and until ${expiresAt.toISOString().slice(0, 10)}.`,
      'This is not an emergency service: in an emergency, call your local emergency number.',
    ].join('\n');
    return this.deliver(pid, subject, text, true);
  }

  /** After consent: the disconnect link, by email only (the portal page already showed it). */
  async confirmation(pid: number, disconnectUrl: string): Promise<Delivered> {
    const clinic = this.env.CLINIC_NAME;
    const text = [
      `Your Fitbit is now connected to ${clinic}.`,
      '',
      'You can stop sharing at any time with this link:',
      disconnectUrl,
      '',
      'This is not an emergency service: in an emergency, call your local emergency number.',
    ].join('\n');
    return this.deliver(pid, `${clinic}: your Fitbit is connected`, text, false);
  }

  private async deliver(
    pid: number,
    subject: string,
    text: string,
    viaPortal: boolean,
  ): Promise<Delivered> {
    const delivered: Delivered = { portal: false, email: false };
    if (!this.directory.configured) return delivered;
    // Each channel is best effort: staff always get the link back to print.
    if (viaPortal) {
      try {
        delivered.portal = await this.directory.sendPortalMessage(pid, { subject, body: text });
      } catch (error) {
        this.logger.warn(`Portal mail for pid ${pid} failed: ${errorName(error)}`, 'Consent');
      }
    }
    if (this.mailer.isConfigured) {
      try {
        const email = await this.directory.emailOf(pid);
        if (email) {
          await this.mailer.send({ to: email, subject, text });
          delivered.email = true;
        }
      } catch (error) {
        this.logger.warn(`Email for pid ${pid} failed: ${errorName(error)}`, 'Consent');
      }
    }
    return delivered;
  }
}

function errorName(error: unknown): string {
  return error instanceof Error ? error.name : 'unknown error';
}
