import type { MigrationInterface, QueryRunner } from 'typeorm';

export class DailyAggregates1764410000000 implements MigrationInterface {
  name = 'DailyAggregates1764410000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`CREATE TABLE daily_aggregates (
      id bigint NOT NULL AUTO_INCREMENT,
      pid bigint NOT NULL,
      date date NOT NULL,
      resting_hr_provider double NULL,
      resting_hr_estimate double NULL,
      hr_mean double NULL,
      hr_min double NULL,
      hr_max double NULL,
      wear_minutes int NULL,
      steps int NULL,
      active_minutes int NULL,
      sleep_asleep_minutes int NULL,
      sleep_in_bed_minutes int NULL,
      sleep_efficiency double NULL,
      sleep_deep_minutes int NULL,
      sleep_light_minutes int NULL,
      sleep_rem_minutes int NULL,
      sleep_awake_minutes int NULL,
      sleep_start varchar(32) NULL,
      sleep_end varchar(32) NULL,
      sleep_total_minutes int NULL,
      hrv_rmssd double NULL,
      spo2_average double NULL,
      spo2_lower double NULL,
      respiratory_rate double NULL,
      skin_temp_deviation double NULL,
      weight_kg double NULL,
      coverage text NOT NULL,
      updated_at datetime(3) NOT NULL,
      PRIMARY KEY (id),
      UNIQUE KEY uq_daily_aggregates_pid_date (pid, date)
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP TABLE daily_aggregates');
  }
}
