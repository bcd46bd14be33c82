import { OpenEmrDatabase, type OpenEmrConnectOptions } from '../openemr-database';
import { createStandInTables } from './schema';
import { seedStandIn } from './seed';

export { STAND_IN_PATIENTS, STAND_IN_USERS, type StandInPatient, type StandInUser } from './seed';
export {
  openEmrInbox,
  openEmrReminders,
  type InboxMessage,
  type WidgetReminder,
} from './openemr-views';

/**
 * Creates and seeds an OpenEMR stand-in in an empty database (an SQLite file
 * for the demo, a fresh MariaDB schema in tests) and returns a connection to it.
 */
export async function createOpenEmrStandIn(
  url: string,
  options: OpenEmrConnectOptions = {},
): Promise<OpenEmrDatabase> {
  const db = new OpenEmrDatabase(url, options);
  await db.transaction(async (sql) => {
    await createStandInTables(sql);
    await seedStandIn(sql);
  });
  return db;
}
