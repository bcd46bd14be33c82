import { JsonLogger } from '../logging/json-logger';
import type { RoutingFacts } from '../alerts/routing';
import type { OpenEmrDatabase, OpenEmrSql } from '../openemr/openemr-database';
import { OpenEmrDirectory } from '../openemr/openemr-directory';
import type { RecipientSpec } from '../rules/rule-definition';
import { instantOfOpenEmrDateTime, openEmrDateTime } from '../time';
import {
  DeliveryDeferred,
  RecipientGone,
  REMINDER_PRIORITY,
  type DeliveredRow,
  type OpenEmrAcknowledgement,
  type OpenEmrSink,
  type OutgoingMessage,
  type OutgoingReminder,
  type RowToClose,
} from './openemr-sink';

const DEFAULT_LOGGER = new JsonLogger('warn');

export interface DatabaseSinkOptions {
  serviceUsername: string;
  noteType: string;
  timeZone: string;
  /** Where bad OpenEMR rows are reported (ids and columns only). */
  logger?: Pick<JsonLogger, 'warn'>;
}

/** Markers are letters, digits, `[vigil:` and `]`: nothing LIKE treats specially on either engine. */
function containing(marker: string): string {
  return `%${marker}%`;
}

/**
 * Delivery mode "database": writes `pnotes`, `dated_reminders` and
 * `dated_reminders_link` rows exactly as OpenEMR's own PHP would
 * (../../shared/contracts/openemr.md), so the Message Center, the reminders
 * widget and the badge count show them natively.
 */
export class DatabaseSink implements OpenEmrSink {
  readonly mode = 'database';
  readonly writesReminders = true;
  private readonly directory: OpenEmrDirectory;

  constructor(
    private readonly db: OpenEmrDatabase,
    private readonly options: DatabaseSinkOptions,
  ) {
    this.directory = new OpenEmrDirectory(db, this.logger);
  }

  routingFacts(
    pid: number,
    named: readonly RecipientSpec[],
    fallbackUsernames: readonly string[],
  ): Promise<RoutingFacts> {
    return this.directory.routingFacts(pid, named, fallbackUsernames);
  }

  async chartNumber(pid: number): Promise<string | null> {
    return (await this.directory.findPatient(pid))?.pubpid || null;
  }

  async sendMessage(message: OutgoingMessage): Promise<number> {
    return this.db.transaction(async (sql) => {
      const [earlier] = await sql.select<{ id: number | string }>(
        `SELECT id FROM pnotes WHERE pid = ? AND assigned_to = ? AND body LIKE ? ORDER BY id`,
        [message.pid, message.recipient.username, containing(message.marker)],
      );
      if (earlier !== undefined) return Number(earlier.id);
      const sender = await this.serviceAccount(sql);
      await this.requireActive(sql, message.recipient.userId, message.recipient.username);
      const title = await this.noteType(sql);
      const now = openEmrDateTime(message.at, this.options.timeZone);
      return sql.insert(
        `INSERT INTO pnotes (date, body, pid, user, groupname, authorized, activity, title,
           assigned_to, message_status, deleted, update_by, update_date, is_msg_encrypted)
         VALUES (?, ?, ?, ?, 'Default', 0, 1, ?, ?, 'New', 0, ?, ?, 0)`,
        [
          now,
          message.body,
          message.pid,
          sender.username,
          title,
          message.recipient.username,
          sender.id,
          now,
        ],
      );
    });
  }

  async sendReminder(reminder: OutgoingReminder): Promise<number> {
    return this.db.transaction(async (sql) => {
      const [earlier] = await sql.select<{ dr_id: number | string }>(
        `SELECT d.dr_id FROM dated_reminders d
           JOIN dated_reminders_link l ON l.dr_id = d.dr_id
          WHERE d.pid = ? AND l.to_id = ? AND d.dr_message_text LIKE ?
          ORDER BY d.dr_id`,
        [reminder.pid, reminder.recipient.userId, containing(reminder.marker)],
      );
      if (earlier !== undefined) return Number(earlier.dr_id);
      const sender = await this.serviceAccount(sql);
      await this.requireActive(sql, reminder.recipient.userId, reminder.recipient.username);
      // dr_processed_by has no default: OpenEMR's own insert omits it and fails in strict mode.
      const id = await sql.insert(
        `INSERT INTO dated_reminders (dr_from_ID, dr_message_text, dr_message_sent_date,
           dr_message_due_date, pid, message_priority, message_processed, processed_date,
           dr_processed_by)
         VALUES (?, ?, ?, ?, ?, ?, 0, NULL, 0)`,
        [
          sender.id,
          reminder.text,
          openEmrDateTime(reminder.at, this.options.timeZone),
          reminder.dueDate,
          reminder.pid,
          REMINDER_PRIORITY[reminder.priority],
        ],
      );
      await sql.insert('INSERT INTO dated_reminders_link (dr_id, to_id) VALUES (?, ?)', [
        id,
        reminder.recipient.userId,
      ]);
      return id;
    });
  }

  async acknowledgements(rows: readonly DeliveredRow[]): Promise<OpenEmrAcknowledgement[]> {
    const messages = rows.filter((r) => r.kind === 'message').map((r) => r.rowId);
    const reminders = rows.filter((r) => r.kind === 'reminder').map((r) => r.rowId);
    return this.db.run(async (sql) => {
      const found: OpenEmrAcknowledgement[] = [];
      if (messages.length > 0) {
        // OpenEMR marks a message Done with update_by = the user and update_date = NOW().
        const done = await sql.select<{
          id: number | string;
          assigned_to: string | null;
          username: string | null;
          update_by: number | string | null;
          update_date: string | null;
        }>(
          `SELECT p.id, p.assigned_to, u.username, p.update_by, p.update_date
             FROM pnotes p LEFT JOIN users u ON u.id = p.update_by
            WHERE p.id IN (${marks(messages.length)}) AND p.message_status = 'Done'`,
          messages,
        );
        for (const row of done) {
          const by = this.taker(
            'pnotes',
            Number(row.id),
            'update_by',
            row.update_by,
            row.username,
            row.assigned_to ? 'its recipient' : '"openemr"',
          );
          found.push({
            kind: 'message',
            rowId: Number(row.id),
            by: by ?? (row.assigned_to || 'openemr'),
            byUserId: by === null ? null : Number(row.update_by),
            at: this.instant(row.update_date, 'pnotes', Number(row.id), 'update_date'),
          });
        }
      }
      if (reminders.length > 0) {
        const processed = await sql.select<{
          dr_id: number | string;
          username: string | null;
          dr_processed_by: number | string | null;
          processed_date: string | null;
        }>(
          `SELECT d.dr_id, u.username, d.dr_processed_by, d.processed_date
             FROM dated_reminders d LEFT JOIN users u ON u.id = d.dr_processed_by
            WHERE d.dr_id IN (${marks(reminders.length)}) AND d.message_processed = 1`,
          reminders,
        );
        for (const row of processed) {
          const by = this.taker(
            'dated_reminders',
            Number(row.dr_id),
            'dr_processed_by',
            row.dr_processed_by,
            row.username,
            '"openemr"',
          );
          found.push({
            kind: 'reminder',
            rowId: Number(row.dr_id),
            by: by ?? 'openemr',
            byUserId: by === null ? null : Number(row.dr_processed_by),
            at: this.instant(
              row.processed_date,
              'dated_reminders',
              Number(row.dr_id),
              'processed_date',
            ),
          });
        }
      }
      return found;
    });
  }

  /**
   * Closes Vigil's own row as OpenEMR's updatePnoteMessageStatus('Done') and
   * setReminderAsProcessed would, as the user who took the alert. A message
   * gets the note in OpenEMR's thread style; a reminder has no room for one.
   */
  async closeRow(row: RowToClose): Promise<boolean> {
    const now = openEmrDateTime(row.at, this.options.timeZone);
    return this.db.transaction(async (sql) => {
      if (row.kind === 'message') {
        const append = sql.engine === 'mysql' ? 'CONCAT(body, ?)' : '(body || ?)';
        const note = `\n${now.slice(0, 16)} (${this.options.serviceUsername}) ${row.note}`;
        return (
          (await sql.update(
            `UPDATE pnotes SET message_status = 'Done', activity = 0, update_by = ?,
               update_date = ?, body = ${append}
             WHERE id = ? AND body LIKE ? AND message_status != 'Done'`,
            [row.byUserId, now, note, row.rowId, containing(row.marker)],
          )) > 0
        );
      }
      return (
        (await sql.update(
          `UPDATE dated_reminders SET message_processed = 1, processed_date = ?, dr_processed_by = ?
           WHERE dr_id = ? AND dr_message_text LIKE ? AND message_processed = 0`,
          [now, row.byUserId, row.rowId, containing(row.marker)],
        )) > 0
      );
    });
  }

  private get logger(): Pick<JsonLogger, 'warn'> {
    return this.options.logger ?? DEFAULT_LOGGER;
  }

  /**
   * Who closed a row, when OpenEMR names a user Vigil can find; otherwise a
   * warning (ids only) and null: the alert is still acknowledged (under the
   * message's recipient, or "openemr"), and its other rows stay open for
   * staff to close, since Vigil closes rows only as a known user.
   */
  private taker(
    table: string,
    id: number,
    column: string,
    userId: number | string | null,
    username: string | null,
    acknowledgedAs: string,
  ): string | null {
    const name = (username ?? '').trim();
    if (name !== '') return name;
    const what =
      userId === null || Number(userId) === 0
        ? `no ${column}`
        : `${column} ${String(userId)}, which is no OpenEMR user with a username`;
    this.logger.warn(
      `OpenEMR ${table} row ${id} was closed with ${what}; acknowledged as ${acknowledgedAs}, its other rows left open`,
      'DatabaseSink',
    );
    return null;
  }

  /** When OpenEMR says a row was closed; NULL, empty or 0000-00-00 falls back to now. */
  private instant(value: string | null, table: string, id: number, column: string): Date {
    const text = value === null ? '' : String(value);
    if (text !== '' && !text.startsWith('0000-00-00')) {
      try {
        return instantOfOpenEmrDateTime(text, this.options.timeZone);
      } catch {
        // Reported below like any other unusable date.
      }
    }
    this.logger.warn(
      `OpenEMR ${table} row ${id} has an unusable ${column}; acknowledged as of now`,
      'DatabaseSink',
    );
    return new Date();
  }

  /** The sender: a real, active `users` row (the list joins it for the From column). */
  private async serviceAccount(sql: OpenEmrSql): Promise<{ id: number; username: string }> {
    const [row] = await sql.select<{ id: number | string; username: string }>(
      'SELECT id, username FROM users WHERE username = ? AND active = 1',
      [this.options.serviceUsername],
    );
    if (row === undefined) {
      throw new DeliveryDeferred(
        `OpenEMR has no active user "${this.options.serviceUsername}" (OPENEMR_SERVICE_USERNAME) to send as`,
      );
    }
    return { id: Number(row.id), username: row.username };
  }

  /** Routing read the recipient moments ago; staff can leave in between. */
  private async requireActive(sql: OpenEmrSql, userId: number, username: string): Promise<void> {
    const [row] = await sql.select<{ id: number | string }>(
      "SELECT id FROM users WHERE id = ? AND username = ? AND active = 1 AND username <> ''",
      [userId, username],
    );
    if (row === undefined) {
      throw new RecipientGone(userId);
    }
  }

  /** The message title must be a `note_type` option (the edit form is a dropdown). */
  private async noteType(sql: OpenEmrSql): Promise<string> {
    const optionId = this.options.noteType;
    const exists = async (): Promise<boolean> =>
      (
        await sql.select(
          "SELECT option_id FROM list_options WHERE list_id = 'note_type' AND option_id = ?",
          [optionId],
        )
      ).length > 0;
    if (await exists()) return optionId;
    const [last] = await sql.select<{ seq: number | string | null }>(
      "SELECT MAX(seq) AS seq FROM list_options WHERE list_id = 'note_type'",
    );
    await sql.insert(
      "INSERT INTO list_options (list_id, option_id, title, seq, activity) VALUES ('note_type', ?, ?, ?, 1)",
      [optionId, optionId, Number(last?.seq ?? 0) + 10],
    );
    return optionId;
  }
}

function marks(count: number): string {
  return Array.from({ length: count }, () => '?').join(', ');
}
