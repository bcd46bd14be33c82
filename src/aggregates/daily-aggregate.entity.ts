import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { instant } from '../database/columns';

const metric = (name: string) => ({ name, type: 'double' as const, nullable: true });
const minutes = (name: string) => ({ name, type: 'int' as const, nullable: true });

/**
 * One patient's local day, as stored. One row per (pid, date); a sync upserts
 * whole days. Nothing finer than a day is kept.
 */
@Entity('daily_aggregates')
@Index('uq_daily_aggregates_pid_date', ['pid', 'date'], { unique: true })
export class DailyAggregateRow {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  /** OpenEMR pid. */
  @Column({ type: 'bigint' })
  pid!: number;

  /** Local civil date, YYYY-MM-DD. */
  @Column({ type: 'date' })
  date!: string;

  @Column(metric('resting_hr_provider')) restingHrProvider!: number | null;
  @Column(metric('resting_hr_estimate')) restingHrEstimate!: number | null;
  @Column(metric('hr_mean')) hrMean!: number | null;
  @Column(metric('hr_min')) hrMin!: number | null;
  @Column(metric('hr_max')) hrMax!: number | null;
  @Column(minutes('wear_minutes')) wearMinutes!: number | null;
  @Column(minutes('steps')) steps!: number | null;
  @Column(minutes('active_minutes')) activeMinutes!: number | null;
  @Column(minutes('sleep_asleep_minutes')) sleepAsleepMinutes!: number | null;
  @Column(minutes('sleep_in_bed_minutes')) sleepInBedMinutes!: number | null;
  @Column(metric('sleep_efficiency')) sleepEfficiency!: number | null;
  @Column(minutes('sleep_deep_minutes')) sleepDeepMinutes!: number | null;
  @Column(minutes('sleep_light_minutes')) sleepLightMinutes!: number | null;
  @Column(minutes('sleep_rem_minutes')) sleepRemMinutes!: number | null;
  @Column(minutes('sleep_awake_minutes')) sleepAwakeMinutes!: number | null;
  /** RFC 3339 with the local offset, as the patient lived it. */
  @Column({ name: 'sleep_start', type: 'varchar', length: 32, nullable: true }) sleepStart!:
    string | null;
  @Column({ name: 'sleep_end', type: 'varchar', length: 32, nullable: true }) sleepEnd!:
    string | null;
  @Column(minutes('sleep_total_minutes')) sleepTotalMinutes!: number | null;
  @Column(metric('hrv_rmssd')) hrvRmssd!: number | null;
  @Column(metric('spo2_average')) spo2Average!: number | null;
  @Column(metric('spo2_lower')) spo2Lower!: number | null;
  @Column(metric('respiratory_rate')) respiratoryRate!: number | null;
  @Column(metric('skin_temp_deviation')) skinTempDeviation!: number | null;
  @Column(metric('weight_kg')) weightKg!: number | null;

  /**
   * Heart rate's and steps' daily roll-ups as fetched just before the day's
   * minutes were last read whole (ingest/minutes-check.ts); null when not fetched.
   */
  @Column({ name: 'minutes_fingerprint', type: 'varchar', length: 255, nullable: true })
  minutesFingerprint!: string | null;

  /** JSON of DailyCoverage (sample counts and contributing data types). */
  @Column({ type: 'text' })
  coverage!: string;

  @Column(instant({ name: 'updated_at' }))
  updatedAt!: Date;
}
