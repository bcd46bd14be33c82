import type { OpenEmrDatabase } from '../openemr-database';

/** A Message Center row as OpenEMR's inbox lists it. */
export interface InboxMessage {
  id: number;
  date: string;
  pid: number;
  pubpid: string | null;
  from: string;
  title: string;
  body: string;
  messageStatus: string;
}

/** A reminder as OpenEMR's dated-reminders widget lists it. */
export interface WidgetReminder {
  id: number;
  pid: number;
  text: string;
  dueDate: string;
  priority: number;
  from: string;
}

/**
 * What a user sees in OpenEMR, read with OpenEMR's own queries (the Message
 * Center inbox of interface/main/messages, and the reminders widget of
 * library/dated_reminder_functions.php). Used by the tests and the demo to
 * show the result the way a clinician would.
 */
export async function openEmrInbox(db: OpenEmrDatabase, username: string): Promise<InboxMessage[]> {
  // getPnotesByUser($activity = '1', 'no', $user) of library/pnotes.inc.php, plus the body and
  // chart number the message view shows.
  const rows = await db.run((sql) =>
    sql.select<Record<string, string | number | null>>(
      `SELECT pnotes.id, pnotes.user, pnotes.pid, pnotes.title, pnotes.date, pnotes.message_status,
              pnotes.activity, pnotes.body, patient_data.pubpid
         FROM ((pnotes LEFT JOIN users ON pnotes.user = users.username)
              LEFT JOIN patient_data ON pnotes.pid = patient_data.pid)
        WHERE pnotes.message_status != 'Done' AND pnotes.activity = 1 AND
              pnotes.deleted != '1' AND (pnotes.assigned_to LIKE ?)
        ORDER BY pnotes.id`,
      [username],
    ),
  );
  return rows.map((row) => ({
    id: Number(row.id),
    date: String(row.date),
    pid: Number(row.pid),
    pubpid: row.pubpid === null ? null : String(row.pubpid),
    from: String(row.user),
    title: String(row.title),
    body: String(row.body),
    messageStatus: String(row.message_status),
  }));
}

/** Reminders due before `dueBefore` (the widget shows the next 30 days) for a user id. */
export async function openEmrReminders(
  db: OpenEmrDatabase,
  userId: number,
  dueBefore: string,
): Promise<WidgetReminder[]> {
  // RemindersArray() of library/dated_reminder_functions.php; its
  // `ADDDATE(NOW(), INTERVAL <days> DAY)` is passed in as a date, so it reads the same on SQLite.
  const rows = await db.run((sql) =>
    sql.select<Record<string, string | number | null>>(
      `SELECT dr.pid, dr.dr_id, dr.dr_message_text, dr.dr_message_due_date, dr.message_priority,
              u.username, u.fname ffname, u.mname fmname, u.lname flname
         FROM dated_reminders dr
         JOIN users u ON dr.dr_from_ID = u.id
         JOIN dated_reminders_link drl ON dr.dr_id = drl.dr_id
        WHERE drl.to_id = ? AND dr.message_processed = 0
          AND dr.dr_message_due_date < ?
        ORDER BY dr_message_due_date ASC, message_priority ASC`,
      [userId, dueBefore],
    ),
  );
  return rows.map((row) => ({
    id: Number(row.dr_id),
    pid: Number(row.pid),
    text: String(row.dr_message_text),
    dueDate: String(row.dr_message_due_date).slice(0, 10),
    priority: Number(row.message_priority),
    from: String(row.username),
  }));
}
