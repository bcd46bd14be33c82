import { EventEmitter2 } from '@nestjs/event-emitter';
import type { Environment } from '../config/environment';
import { InFlightWork } from '../lifecycle/in-flight-work';
import { JsonLogger } from '../logging/json-logger';
import { EventRelay } from './event-relay';
import type { Failure } from '../database/leased-queue';
import type { ClaimedEvent, PendingEvents } from './pending-events.repository';

/** The table as a list: claims hand out due events once, like the real lease. */
class FakePendingEvents {
  due: ClaimedEvent[] = [];
  settled: string[] = [];
  retried: { id: string; reason: string }[] = [];
  /** The attempt from which a failure parks the event. */
  maxAttempts = 20;

  claimDue(_now: Date, limit: number): Promise<ClaimedEvent[]> {
    return Promise.resolve(this.due.splice(0, limit));
  }
  settle(event: ClaimedEvent): Promise<void> {
    this.settled.push(event.id);
    return Promise.resolve();
  }
  fail(event: ClaimedEvent, _now: Date, reason: string): Promise<Failure> {
    this.retried.push({ id: event.id, reason });
    return Promise.resolve(event.attempts >= this.maxAttempts ? 'parked' : 'retrying');
  }
}

const event = (id: string, name: string, payload: object): ClaimedEvent => ({
  id,
  name,
  payload: JSON.stringify(payload),
  attempts: 1,
  leasedUntil: new Date(),
});

describe('EventRelay', () => {
  let pending: FakePendingEvents;
  let events: EventEmitter2;
  let relay: EventRelay;
  let logged: string[];

  beforeEach(() => {
    pending = new FakePendingEvents();
    events = new EventEmitter2();
    logged = [];
    relay = new EventRelay(
      events,
      pending as unknown as PendingEvents,
      new InFlightWork(),
      { runsWorkers: true } as Environment,
      new JsonLogger('warn', (line) => logged.push(line)),
    );
  });

  it('hands each event to its listeners and deletes it once they took it', async () => {
    const heard: unknown[] = [];
    events.on('wearable.needs-reconsent', (payload: unknown) => heard.push(payload));
    pending.due = Array.from({ length: 30 }, (_, i) =>
      event(String(i), 'wearable.needs-reconsent', { pid: i }),
    );
    await relay.handOn();
    expect(heard).toHaveLength(30);
    expect(heard[29]).toEqual({ pid: 29 });
    expect(pending.settled).toHaveLength(30);
  });

  it('keeps an event whose listener failed for a later attempt, and goes on with the rest', async () => {
    events.on('wearable.disconnected', (payload: { pid: number }) => {
      if (payload.pid === 1) return Promise.reject(new Error('database cut'));
      return Promise.resolve();
    });
    pending.due = [
      event('1', 'wearable.disconnected', { pid: 1 }),
      event('2', 'wearable.disconnected', { pid: 2 }),
    ];
    await relay.handOn();
    expect(pending.retried).toEqual([{ id: '1', reason: 'Error: database cut' }]);
    expect(pending.settled).toEqual(['2']);
  });

  it('says once, at warn, that an event whose attempts are spent is parked as failed', async () => {
    events.on('wearable.disconnected', () => Promise.reject(new Error('listener broken')));
    pending.maxAttempts = 1;
    pending.due = [event('7', 'wearable.disconnected', { pid: 7 })];
    await relay.handOn();
    expect(pending.settled).toEqual([]);
    const parked = logged.filter((line) => line.includes('parked as failed'));
    expect(parked).toHaveLength(1);
    expect(parked[0]).toContain('"level":"warn"');
    expect(parked[0]).toContain(
      'Event 7 (wearable.disconnected) parked as failed after 1 attempt(s)',
    );
  });

  it('runs one pass at a time, and another after a nudge that came meanwhile', async () => {
    let release: () => void = () => undefined;
    const heard: number[] = [];
    events.on('patient.x', async (payload: { n: number }) => {
      heard.push(payload.n);
      if (payload.n === 1) await new Promise<void>((resolve) => (release = resolve));
    });
    pending.due = [event('1', 'patient.x', { n: 1 })];
    const first = relay.handOn();
    await new Promise((resolve) => setImmediate(resolve));
    pending.due.push(event('2', 'patient.x', { n: 2 }));
    const second = relay.handOn();
    expect(second).toBe(first);
    release();
    await first;
    expect(heard).toEqual([1, 2]);
  });
});
