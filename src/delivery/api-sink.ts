import type { OpenEmrUser, RoutingFacts } from '../alerts/routing';
import type { OpenEmrApiClient } from '../openemr/api/openemr-api-client';
import type { RecipientSpec } from '../rules/rule-definition';
import type {
  DeliveredRow,
  OpenEmrAcknowledgement,
  OpenEmrSink,
  OutgoingMessage,
  OutgoingReminder,
  RowToClose,
} from './openemr-sink';

/**
 * Delivery mode "api" (OPENEMR_API_BASE_URL): Message Center messages through
 * `POST /api/patient/{pid}/message`, for when OpenEMR's database is out of
 * reach. OpenEMR's API has no dated reminders, no way to read messages back
 * (so no marker check and no acknowledgement from Done), and no users or ACL
 * groups: routing can only name users, so `provider` and `group:` recipients
 * go to the fallback recipients.
 */
export class ApiSink implements OpenEmrSink {
  readonly mode = 'api';
  readonly writesReminders = false;

  constructor(
    private readonly client: OpenEmrApiClient,
    private readonly options: { serviceUsername: string; noteType: string },
  ) {}

  async routingFacts(
    _pid: number,
    named: readonly RecipientSpec[],
    fallbackUsernames: readonly string[],
  ): Promise<RoutingFacts> {
    const usernames = [
      ...named.filter((spec) => spec.startsWith('user:')).map((spec) => spec.slice(5)),
      ...fallbackUsernames,
    ];
    // Ids are unknown through the API and only used for reminder links, which api mode has not:
    // distinct stand-ins keep routing's de-duplication by id working by username.
    const users = new Map<string, OpenEmrUser>(
      [...new Set(usernames)].map((username, i) => [
        username,
        { id: -(i + 1), username, active: true },
      ]),
    );
    return { provider: null, groupMembers: new Map(), users };
  }

  async chartNumber(): Promise<string | null> {
    return null;
  }

  sendMessage(message: OutgoingMessage): Promise<number> {
    return this.client.sendMessage(message.pid, {
      body: message.body,
      from: this.options.serviceUsername,
      to: message.recipient.username,
      title: this.options.noteType,
    });
  }

  sendReminder(reminder: OutgoingReminder): Promise<number> {
    return Promise.reject(new Error(`OpenEMR's API has no dated reminders (pid ${reminder.pid})`));
  }

  async acknowledgements(_rows: readonly DeliveredRow[]): Promise<OpenEmrAcknowledgement[]> {
    return [];
  }

  /** Api mode never learns of a Done, so it has nothing to close. */
  async closeRow(_row: RowToClose): Promise<boolean> {
    return false;
  }
}
