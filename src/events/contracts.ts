/**
 * The in-process events between features: each name and its payload, defined
 * once here and imported by emitters and listeners alike. An event tells other
 * features that something was stored. Those marked durable are recorded in
 * `pending_events` in the transaction of the change and reach their listeners
 * through the relay (event-relay.ts), also from a process that stopped or
 * never had listeners (`vigil sync`); the rest are fast paths for work that is
 * recorded elsewhere (`evaluations_due`, an outcome's `alerts_applied_at`,
 * a connection's `next_sync_at`).
 */
import type { EvaluatedRule } from '../rules/evaluation/evaluate-patient';
import type { MonitoredPatient } from '../rules/monitored-patients';
import type { LocalDate } from '../time';

/** Consent stored a new connection (or a new grant); ingestion starts its first backfill. */
export const WEARABLE_CONNECTED = 'wearable.connected';
export interface WearableConnectionEvent {
  pid: number;
  enrollmentId: number;
  connectionId: number;
}

/** Durable. A connection ended; only a patient's own disconnect is news to staff (alerts). */
export const WEARABLE_DISCONNECTED = 'wearable.disconnected';
export interface WearableDisconnectedEvent extends WearableConnectionEvent {
  by: 'patient' | 'staff';
}

/** Durable. Google refused the stored grant and the enrollment moved to needs_reconsent; alerts tell staff. */
export const CONNECTION_NEEDS_RECONSENT = 'wearable.needs-reconsent';
export type ConnectionNeedsReconsent = WearableConnectionEvent;

/**
 * Ingestion finished a sync (with the dates whose values changed; none when
 * nothing changed): rules evaluate the dates, alerts learn that data flows again.
 */
export const PATIENT_SYNCED = 'patient.synced';
export interface PatientSynced {
  pid: number;
  dates: LocalDate[];
  /**
   * The patient as the sync read and wrote them (program, zone, sync times),
   * so the evaluation need not read the enrollment and connection again;
   * absent: the listener reads them.
   */
  patient?: MonitoredPatient;
}

/** What one evaluation decided for one patient on one date. */
export interface RulesEvaluated {
  pid: number;
  date: LocalDate;
  outcomes: EvaluatedRule[];
}

/**
 * Emitted once per patient and evaluation, after its outcomes are stored:
 * all the days evaluated, in date order. The alerts feature steps them as one
 * run, so a backfill of several days is one message.
 */
export const PATIENT_EVALUATED = 'rules.patient-evaluated';
export interface PatientEvaluated {
  pid: number;
  days: RulesEvaluated[];
}

/** A durable event was recorded in this process: the relay hands it on now rather than at its next look. */
export const EVENTS_RECORDED = 'events.recorded';
