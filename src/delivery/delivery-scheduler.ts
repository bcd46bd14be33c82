import { Injectable } from '@nestjs/common';
import { Interval } from '@nestjs/schedule';
import { Environment } from '../config/environment';
import { InFlightWork } from '../lifecycle/in-flight-work';
import { JsonLogger } from '../logging/json-logger';
import { OpenEmrGrantMissing } from '../openemr/openemr-grants';
import { localHourAt } from '../time';
import { AcknowledgementPoller } from './acknowledgements';
import { Dispatcher } from './dispatcher';
import { Escalations } from './escalation';

/** The clinic's local hour from which the day's digest is sent (late starts catch up). */
const DIGEST_HOUR = 7;
const MAX_ROUNDS_PER_TICK = 10;

/**
 * Timers only: each tick claims or enqueues work through InFlightWork (so
 * shutdown waits for it), never overlaps itself, and does nothing in an
 * `api`-only process. Several processes may tick at once: claims and dedup
 * keys keep the work single.
 */
@Injectable()
export class DeliveryScheduler {
  private readonly busy = new Set<string>();

  constructor(
    private readonly env: Environment,
    private readonly work: InFlightWork,
    private readonly dispatcher: Dispatcher,
    private readonly acknowledgements: AcknowledgementPoller,
    private readonly escalations: Escalations,
    private readonly logger: JsonLogger,
  ) {}

  @Interval('delivery.dispatch', 10_000)
  dispatch(): Promise<void> {
    return this.tick('dispatch', async () => {
      // Routing rows make message rows: keep going while there is progress, so they leave together.
      for (let round = 0; round < MAX_ROUNDS_PER_TICK; round += 1) {
        const { delivered } = await this.dispatcher.dispatchDue();
        if (delivered === 0) return;
      }
    });
  }

  @Interval('delivery.acknowledgements', 60_000)
  pollAcknowledgements(): Promise<void> {
    return this.tick('acknowledgements', () => this.acknowledgements.poll());
  }

  @Interval('delivery.escalations', 60_000)
  escalate(): Promise<void> {
    return this.tick('escalations', async () => {
      await this.escalations.escalateOverdue();
      const hour = localHourAt(new Date(), this.env.CLINIC_TIME_ZONE);
      if (hour >= DIGEST_HOUR) await this.escalations.enqueueDigest();
    });
  }

  private async tick(name: string, job: () => Promise<unknown>): Promise<void> {
    if (!this.env.runsWorkers || this.busy.has(name)) return;
    this.busy.add(name);
    try {
      await this.work.run(job);
    } catch (error) {
      this.logger.error(
        `Delivery ${name} tick failed: ${error instanceof OpenEmrGrantMissing ? error.message : error instanceof Error ? error.name : 'unknown'}`,
        undefined,
        'DeliveryScheduler',
      );
    } finally {
      this.busy.delete(name);
    }
  }
}
