import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { instant } from '../database/columns';

export const ENROLLMENT_STATUSES = [
  'invited',
  'active',
  'needs_reconsent',
  'paused',
  'ended',
] as const;
/**
 * invited: waiting for the patient to connect; active: connected and synced;
 * needs_reconsent: Google refused the stored grant; paused: not synced (staff
 * paused it, or the patient disconnected); ended: monitoring is over.
 */
export type EnrollmentStatus = (typeof ENROLLMENT_STATUSES)[number];

/**
 * What a list of enrollments filters on: a status, or `disconnected`, the
 * paused enrollments whose patient's Google connection is gone (the patient
 * stopped sharing, or staff disconnected), which only a new invitation
 * restarts. `paused` lists those too: their status is paused.
 */
export const ENROLLMENT_FILTERS = [
  'invited',
  'active',
  'needs_reconsent',
  'paused',
  'disconnected',
  'ended',
] as const;
export type EnrollmentFilter = (typeof ENROLLMENT_FILTERS)[number];

/** A patient in monitoring, keyed by OpenEMR pid. No names: they stay in OpenEMR. */
@Entity('enrollments')
@Index('uq_enrollments_pid', ['pid'], { unique: true })
@Index('ix_enrollments_status', ['status'])
export class Enrollment {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column({ type: 'bigint' })
  pid!: number;

  /** The cohort the clinic monitors this patient in, e.g. `heart-failure`. */
  @Column({ type: 'varchar', length: 64, nullable: true })
  program!: string | null;

  @Column({ type: 'varchar', length: 20 })
  status!: EnrollmentStatus;

  /** IANA zone from the patient's Google settings; days are counted in it. */
  @Column({ name: 'time_zone', type: 'varchar', length: 64, nullable: true })
  timeZone!: string | null;

  @Column({ name: 'sync_interval_minutes', type: 'int' })
  syncIntervalMinutes!: number;

  @Column(instant({ name: 'created_at' }))
  createdAt!: Date;

  @Column({ name: 'created_by', type: 'varchar', length: 100 })
  createdBy!: string;

  @Column(instant({ name: 'updated_at' }))
  updatedAt!: Date;

  @Column(instant({ name: 'ended_at', nullable: true }))
  endedAt!: Date | null;
}
