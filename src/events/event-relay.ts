import { Injectable } from '@nestjs/common';
import { EventEmitter2, OnEvent } from '@nestjs/event-emitter';
import { Interval } from '@nestjs/schedule';
import { Environment } from '../config/environment';
import { InFlightWork } from '../lifecycle/in-flight-work';
import { JsonLogger } from '../logging/json-logger';
import { EVENTS_RECORDED } from './contracts';
import { PendingEvents, type ClaimedEvent } from './pending-events.repository';

const CONTEXT = 'Events';
const BATCH = 25;
/** How often workers look for events recorded where nobody listened, or left by a stopped process. */
export const RELAY_POLL_MS = 5_000;

/**
 * Hands durable events (pending_events) to their in-process listeners, then
 * deletes them; a listener that throws gets the event again after a backoff,
 * so listeners must be idempotent, until its attempts are spent and it is
 * parked as failed. The process that recorded an event nudges
 * its own relay at once; workers also look every few seconds.
 */
@Injectable()
export class EventRelay {
  private running: Promise<void> | null = null;
  private again = false;

  constructor(
    private readonly events: EventEmitter2,
    private readonly pending: PendingEvents,
    private readonly work: InFlightWork,
    private readonly env: Environment,
    private readonly logger: JsonLogger,
  ) {}

  @OnEvent(EVENTS_RECORDED)
  nudge(): void {
    void this.work.run(() => this.handOn());
  }

  @Interval('events.relay', RELAY_POLL_MS)
  poll(): void {
    if (this.env.runsWorkers) void this.work.run(() => this.handOn());
  }

  /** Hands on every due event; one pass at a time in a process, another right after if nudged meanwhile. */
  handOn(): Promise<void> {
    if (this.running !== null) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      try {
        do {
          this.again = false;
          while ((await this.pass()) === BATCH);
        } while (this.again);
      } catch (error) {
        this.logger.error(error instanceof Error ? error : new Error(String(error)), CONTEXT);
      } finally {
        this.running = null;
      }
    })();
    return this.running;
  }

  private async pass(): Promise<number> {
    const claimed = await this.pending.claimDue(new Date(), BATCH);
    for (const event of claimed) await this.deliver(event);
    return claimed.length;
  }

  private async deliver(event: ClaimedEvent): Promise<void> {
    try {
      await this.events.emitAsync(event.name, JSON.parse(event.payload));
    } catch (error) {
      const reason = error instanceof Error ? `${error.name}: ${error.message}` : 'failed';
      const failure = await this.pending.fail(event, new Date(), reason);
      this.logger.warn(
        failure === 'parked'
          ? `Event ${event.id} (${event.name}) parked as failed after ${event.attempts} attempt(s): ${reason}`
          : `Event ${event.id} (${event.name}) failed, attempt ${event.attempts}: ${reason}`,
        CONTEXT,
      );
      return;
    }
    await this.pending.settle(event);
  }
}
