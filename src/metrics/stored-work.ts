import { Injectable } from '@nestjs/common';
import { ALERT_STATES } from '../alerts/alerts.dto';
import { AlertRepository } from '../alerts/alert.repository';
import { OutboxRepository } from '../delivery/outbox.repository';
import { SEVERITIES } from '../rules/rule-definition';
import { RuleOutcomes } from '../rules/rule-outcomes.repository';
import { ConnectionRepository } from '../wearables/connection.repository';
import { WorkQueues } from '../work/work-queues';
import type { QueueReading, StoredWorkReadings } from './metrics';

/**
 * The stored-work figures of a scrape, each asked of the table's owner: the
 * queues on the leased-queue mechanism (WorkQueues), the sync schedule, the
 * rule outcomes not yet stepped, the outbox by kind and the alerts. Only
 * counts and fixed enumerations leave this class.
 */
@Injectable()
export class StoredWork {
  constructor(
    private readonly work: WorkQueues,
    private readonly connections: ConnectionRepository,
    private readonly outcomes: RuleOutcomes,
    private readonly outbox: OutboxRepository,
    private readonly alerts: AlertRepository,
  ) {}

  async read(now = new Date()): Promise<StoredWorkReadings> {
    const queues = await this.work.readings(now);
    const waiting = (name: string): QueueReading => {
      const { depth, oldestAgeSeconds } = queues[name];
      return { depth, oldestAgeSeconds };
    };
    return {
      queues: {
        sync_due: await this.connections.syncDue(now),
        outbox_pending: waiting('outbox'),
        evaluations_due: waiting('evaluations_due'),
        unstepped_outcomes: await this.outcomes.unstepped(now),
        pending_events: waiting('pending_events'),
      },
      failed: Object.fromEntries(Object.entries(queues).map(([name, r]) => [name, r.failed])),
      outbox: await this.outbox.countsByKind(),
      alerts: await this.alertCounts(),
    };
  }

  private async alertCounts(): Promise<StoredWorkReadings['alerts']> {
    const rows = await this.alerts.countsByStateAndSeverity();
    // Every known pair, so a state that emptied reads 0; anything unknown is dropped.
    return ALERT_STATES.flatMap((state) =>
      SEVERITIES.map((severity) => ({
        state,
        severity,
        count: rows.find((r) => r.state === state && r.severity === severity)?.count ?? 0,
      })),
    );
  }
}
