import { AuditTrail } from '../audit/audit-trail';
import type { OpenEmrDatabase, OpenEmrSql } from './openemr-database';
import { openEmrDateTime } from '../time';

export interface PortalMailSent {
  /** The patient's copy (what the portal inbox shows). */
  patientCopyId: number;
  /** The sender's copy (what staff see under sent mail). */
  senderCopyId: number;
}

export class PortalMailRefused extends Error {
  constructor(
    readonly reason: 'patient_unknown' | 'no_portal_account' | 'service_account_unknown',
    pid: number,
  ) {
    super(`Portal mail to pid ${pid} refused: ${reason}`);
    this.name = 'PortalMailRefused';
  }
}

/**
 * Secure mail to a patient's OpenEMR portal inbox, written the way the portal's
 * own messaging writes it (portal/lib/portal_mail.inc.php): one copy owned by
 * the sender, one owned by the patient's portal username, chained together.
 * The portal inbox lists `owner = <portal username> AND recipient_id = <portal username>`.
 */
export class PortalMail {
  constructor(
    private readonly db: OpenEmrDatabase,
    private readonly audit: AuditTrail,
    private readonly serviceUsername: string,
    private readonly timeZone: string,
  ) {}

  async send(
    pid: number,
    subject: string,
    body: string,
    actor = 'system',
    at = new Date(),
  ): Promise<PortalMailSent> {
    const sent = await this.db.transaction(async (sql) => {
      const patient = await this.patient(sql, pid);
      const sender = await this.sender(sql, pid);
      const date = openEmrDateTime(at, this.timeZone);
      const copy = async (owner: string, toPatient: boolean): Promise<number> => {
        const chain = await nextId(sql);
        return sql.insert(
          `INSERT INTO onsite_mail (date, body, owner, user, groupname, authorized, activity, title,
             assigned_to, message_status, mail_chain, sender_id, sender_name, recipient_id,
             recipient_name, reply_mail_chain, deleted, is_msg_encrypted)
           VALUES (?, ?, ?, ?, 'Default', 1, 1, ?, '', 'New', ?, ?, ?, ?, ?, ?, 0, 0)`,
          [
            date,
            body,
            owner,
            this.serviceUsername,
            subject,
            chain,
            this.serviceUsername,
            sender.name,
            patient.portalUsername,
            patient.name,
            toPatient ? chain - 1 : chain,
          ],
        );
      };
      const senderCopyId = await copy(this.serviceUsername, false);
      const patientCopyId = await copy(patient.portalUsername, true);
      return { senderCopyId, patientCopyId };
    });
    for (const id of [sent.senderCopyId, sent.patientCopyId]) {
      await this.audit.record({
        actor,
        action: 'openemr.row_written',
        subjectType: 'onsite_mail',
        subjectId: id,
        pid,
        details: {
          table: 'onsite_mail',
          recipient: id === sent.patientCopyId ? 'patient' : 'sender copy',
        },
      });
    }
    return sent;
  }

  private async patient(
    sql: OpenEmrSql,
    pid: number,
  ): Promise<{ portalUsername: string; name: string }> {
    const rows = await sql.select<{
      fname: string | null;
      lname: string | null;
      allow_patient_portal: string | null;
      portal_username: string | null;
    }>(
      `SELECT p.fname, p.lname, p.allow_patient_portal, a.portal_username
         FROM patient_data p
         LEFT JOIN patient_access_onsite a ON a.pid = p.pid
        WHERE p.pid = ?
        ORDER BY a.id DESC`,
      [pid],
    );
    const row = rows[0];
    if (row === undefined) throw new PortalMailRefused('patient_unknown', pid);
    const portalUsername = row.portal_username?.trim() ?? '';
    if (portalUsername === '' || (row.allow_patient_portal ?? '').toUpperCase() !== 'YES') {
      throw new PortalMailRefused('no_portal_account', pid);
    }
    return { portalUsername, name: `${row.fname ?? ''} ${row.lname ?? ''}`.trim() };
  }

  private async sender(sql: OpenEmrSql, pid: number): Promise<{ name: string }> {
    const rows = await sql.select<{ fname: string | null; lname: string | null }>(
      'SELECT fname, lname FROM users WHERE username = ? AND active = 1',
      [this.serviceUsername],
    );
    const row = rows[0];
    if (row === undefined) throw new PortalMailRefused('service_account_unknown', pid);
    const name = `${row.fname ?? ''} ${row.lname ?? ''}`.trim();
    return { name: name === '' ? this.serviceUsername : name };
  }
}

async function nextId(sql: OpenEmrSql): Promise<number> {
  const [row] = await sql.select<{ newid: number | string | null }>(
    'SELECT MAX(id) AS newid FROM onsite_mail',
  );
  return Number(row?.newid ?? 0) + 1;
}
