import { Inject, Injectable } from '@nestjs/common';
import { DataSource, In, IsNull, MoreThan, Not } from 'typeorm';
import { AlertService, StaffActionRefused } from '../alerts/alert-service';
import { JsonLogger } from '../logging/json-logger';
import { Delivery, DeliveryAlert } from './delivery.entity';
import { OPENEMR_SINK, type OpenEmrSink } from './openemr-sink';

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
    private readonly dataSource: DataSource,
    private readonly alerts: AlertService,
    @Inject(OPENEMR_SINK) private readonly sink: OpenEmrSink | null,
    private readonly logger: JsonLogger,
  ) {}

  /** Returns how many alerts were acknowledged from OpenEMR. */
  async poll(now = new Date(), batch = 200): Promise<number> {
    if (this.sink === null) return 0;
    const watched = await this.dataSource.getRepository(Delivery).find({
      where: {
        kind: In(['message', 'reminder']),
        status: 'delivered',
        acknowledgedAt: IsNull(),
        openEmrRowId: Not(IsNull()),
        deliveredAt: MoreThan(new Date(now.getTime() - WATCH_DAYS * 86_400_000)),
      },
      order: { id: 'ASC' },
      take: batch,
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
      const links = await this.dataSource
        .getRepository(DeliveryAlert)
        .findBy({ deliveryId: delivery.id });
      for (const { alertId } of links) {
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
      await this.dataSource
        .getRepository(Delivery)
        .update({ id: delivery.id }, { acknowledgedAt: ack.at });
    }
    if (acknowledged > 0) {
      this.logger.log(`${acknowledged} alert(s) acknowledged in OpenEMR`, 'Acknowledgements');
    }
    return acknowledged;
  }
}
