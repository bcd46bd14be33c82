import { Inject, Injectable } from '@nestjs/common';
import { AlertService, StaffActionRefused } from '../alerts/alert-service';
import { JsonLogger } from '../logging/json-logger';
import type { Delivery } from './delivery.entity';
import { AlertRepository } from '../alerts/alert.repository';
import { OutboxRepository } from './outbox.repository';
import { OPENEMR_SINK, type OpenEmrAcknowledgement, type OpenEmrSink } from './openemr-sink';

/** Messages and reminders older than this are no longer watched for a Done. */
const WATCH_DAYS = 30;

/**
 * Staff who mark Vigil's message Done in OpenEMR, or its reminder processed,
 * acknowledge the alert in Vigil. OpenEMR cannot call out, so Vigil polls the
 * rows it wrote.
 */
@Injectable()
export class AcknowledgementPoller {
  constructor(
    private readonly outbox: OutboxRepository,
    private readonly stored: AlertRepository,
    private readonly alerts: AlertService,
    @Inject(OPENEMR_SINK) private readonly sink: OpenEmrSink | null,
    private readonly logger: JsonLogger,
  ) {}

  /** Returns how many alerts were acknowledged from OpenEMR. */
  async poll(now = new Date(), batch = 200): Promise<number> {
    if (this.sink === null) return 0;
    const watched = await this.outbox.awaitingAcknowledgement({
      since: new Date(now.getTime() - WATCH_DAYS * 86_400_000),
      limit: batch,
    });
    if (watched.length === 0) return 0;
    const byRow = new Map(watched.map((d) => [`${d.kind}:${Number(d.openEmrRowId)}`, d] as const));
    const taken = await this.sink.acknowledgements(
      watched.map((d) => ({
        kind: d.kind as 'message' | 'reminder',
        rowId: Number(d.openEmrRowId),
      })),
    );
    let acknowledged = 0;
    for (const ack of taken) {
      const delivery = byRow.get(`${ack.kind}:${ack.rowId}`);
      if (delivery === undefined) continue;
      const alertIds = await this.outbox.alertsOf(delivery.id);
      for (const alertId of alertIds) {
        try {
          await this.alerts.acknowledge(
            alertId,
            ack.by,
            ack.kind === 'message' ? 'marked Done in OpenEMR' : 'reminder processed in OpenEMR',
            ack.at,
          );
          acknowledged += 1;
        } catch (error) {
          // Already acknowledged, resolved or never fired: OpenEMR's Done changes nothing.
          if (!(error instanceof StaffActionRefused)) throw error;
        }
      }
      await this.outbox.markAcknowledged(delivery.id, ack.at);
      if (ack.byUserId !== null) {
        await this.closeSiblings(alertIds, delivery, { ...ack, byUserId: ack.byUserId });
      }
    }
    if (acknowledged > 0) {
      this.logger.log(`${acknowledged} alert(s) acknowledged in OpenEMR`, 'Acknowledgements');
    }
    return acknowledged;
  }

  /**
   * Staff took an alert from one row: Vigil's other open rows of it (the
   * reminder of a message marked Done, the message of a processed reminder,
   * the same message to other recipients) are closed in OpenEMR as the same
   * user, with a note, once every alert such a row lists is acknowledged. The
   * marker check and "not Done yet" make this safe to repeat.
   */
  private async closeSiblings(
    alertIds: readonly string[],
    taken: Delivery,
    ack: OpenEmrAcknowledgement & { byUserId: number },
  ): Promise<void> {
    if (this.sink === null || alertIds.length === 0) return;
    const linked = await this.outbox.linksOf(alertIds);
    const siblings = await this.outbox.awaitingAcknowledgement({
      among: linked.map((l) => l.deliveryId),
    });
    const what = ack.kind === 'message' ? 'marked its message Done' : 'processed its reminder';
    for (const sibling of siblings.filter((d) => d.id !== taken.id)) {
      const states = await this.stored.byIds(await this.outbox.alertsOf(sibling.id));
      if (states.some((a) => a.state !== 'acknowledged')) continue;
      await this.sink.closeRow({
        kind: sibling.kind as 'message' | 'reminder',
        rowId: Number(sibling.openEmrRowId),
        marker: `[vigil:${sibling.marker}]`,
        byUserId: ack.byUserId,
        note: `Closed by Vigil: ${ack.by} ${what} in OpenEMR.`,
        at: ack.at,
      });
      await this.outbox.markAcknowledged(sibling.id, ack.at);
    }
  }
}
