import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** How a sync ended: the runner's statuses, and `error` when it threw. */
export type SyncResult = 'synced' | 'failed' | 'skipped' | 'error';

/** One answer (or none) from Google Health; never a user, a URL or a body. */
export type GoogleResponse = 'ok' | 'rate_limited' | 'server_error' | 'client_error' | 'timeout';

/** The work queues read at scrape time. */
export const QUEUES = [
  'sync_due',
  'outbox_pending',
  'evaluations_due',
  'unstepped_outcomes',
  'pending_events',
] as const;
export type QueueName = (typeof QUEUES)[number];

export interface QueueReading {
  depth: number;
  /** Seconds since the oldest item was due or recorded; 0 when empty. */
  oldestAgeSeconds: number;
}

/**
 * Items parked as failed after their last attempt, by the name of their queue
 * on the leased-queue mechanism (src/work/work-queues.ts: names from code,
 * never from data).
 */
export type FailedWork = Record<string, number>;

/** What a scrape reads from the database; label values are fixed enumerations only. */
export interface StoredWorkReadings {
  queues: Record<QueueName, QueueReading>;
  /** Items parked as failed, by queue. */
  failed: FailedWork;
  /** Outbox rows by kind: still to send, and given up on. */
  outbox: { kind: string; pending: number; failed: number }[];
  alerts: { state: string; severity: string; count: number }[];
}

/**
 * The process's Prometheus registry. Code elsewhere calls the small methods
 * here, never prom-client, so no caller can put a pid or a name in a label.
 */
@Injectable()
export class Metrics {
  readonly registry = new Registry();

  private readonly syncSeconds = new Histogram({
    name: 'vigil_sync_duration_seconds',
    help: 'Patient syncs by outcome, with their duration',
    labelNames: ['outcome'],
    buckets: [0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 180, 600],
    registers: [this.registry],
  });
  private readonly googleRequests = new Counter({
    name: 'vigil_google_requests_total',
    help: 'Requests sent to Google Health, by response',
    labelNames: ['response'],
    registers: [this.registry],
  });
  private readonly googleRateLimited = new Counter({
    name: 'vigil_google_rate_limited_total',
    help: 'Google Health answers of 429 Too Many Requests',
    registers: [this.registry],
  });
  private readonly evaluationSeconds = new Histogram({
    name: 'vigil_rule_evaluation_duration_seconds',
    help: 'Rule evaluation runs (a batch of patients), with their duration',
    buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 15, 60, 300],
    registers: [this.registry],
  });
  private readonly queueDepth = new Gauge({
    name: 'vigil_queue_depth',
    help: 'Items waiting in each work queue',
    labelNames: ['queue'],
    registers: [this.registry],
  });
  private readonly queueOldest = new Gauge({
    name: 'vigil_queue_oldest_age_seconds',
    help: 'Age of the oldest waiting item in each work queue',
    labelNames: ['queue'],
    registers: [this.registry],
  });
  private readonly queueFailed = new Gauge({
    name: 'vigil_queue_failed',
    help: 'Items parked as failed after their last attempt in each work queue',
    labelNames: ['queue'],
    registers: [this.registry],
  });
  private readonly outboxBacklog = new Gauge({
    name: 'vigil_outbox_backlog',
    help: 'Outbox deliveries not yet sent, by kind',
    labelNames: ['kind'],
    registers: [this.registry],
  });
  private readonly outboxFailed = new Gauge({
    name: 'vigil_outbox_failed',
    help: 'Outbox deliveries given up on, by kind',
    labelNames: ['kind'],
    registers: [this.registry],
  });
  private readonly alerts = new Gauge({
    name: 'vigil_alerts',
    help: 'Alerts by state and severity',
    labelNames: ['state', 'severity'],
    registers: [this.registry],
  });

  private processMetrics = false;

  /** Node's own figures (memory, CPU, event loop lag), once a listener will serve them. */
  collectProcessMetrics(): void {
    if (this.processMetrics) return;
    this.processMetrics = true;
    collectDefaultMetrics({ register: this.registry });
  }

  syncFinished(outcome: SyncResult, seconds: number): void {
    this.syncSeconds.observe({ outcome }, seconds);
  }

  googleResponded(response: GoogleResponse): void {
    this.googleRequests.inc({ response });
    if (response === 'rate_limited') this.googleRateLimited.inc();
  }

  evaluationFinished(seconds: number): void {
    this.evaluationSeconds.observe(seconds);
  }

  /** The scrape body, with the stored-work gauges set from `readings` first. */
  async exposition(readings: StoredWorkReadings | null): Promise<string> {
    if (readings) this.setStoredWork(readings);
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  private setStoredWork(readings: StoredWorkReadings): void {
    for (const queue of QUEUES) {
      const reading = readings.queues[queue];
      this.queueDepth.set({ queue }, reading.depth);
      this.queueOldest.set({ queue }, reading.oldestAgeSeconds);
    }
    for (const [queue, failed] of Object.entries(readings.failed)) {
      this.queueFailed.set({ queue }, failed);
    }
    // Reset first so a kind or state that emptied shows 0 instead of its last value.
    this.outboxBacklog.reset();
    this.outboxFailed.reset();
    for (const row of readings.outbox) {
      this.outboxBacklog.set({ kind: row.kind }, row.pending);
      this.outboxFailed.set({ kind: row.kind }, row.failed);
    }
    this.alerts.reset();
    for (const row of readings.alerts)
      this.alerts.set({ state: row.state, severity: row.severity }, row.count);
  }
}
