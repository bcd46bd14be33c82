import type { MigrationInterface, QueryRunner } from 'typeorm';

export class DailyAggregates1764410000000 implements MigrationInterface {
  name = 'DailyAggregates1764410000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`CREATE TABLE daily_aggregates (
      id integer PRIMARY KEY AUTOINCREMENT NOT NULL,
      pid bigint NOT NULL,
      date date NOT NULL,
      resting_hr_provider double NULL,
      resting_hr_estimate double NULL,
      hr_mean double NULL,
      hr_min double NULL,
      hr_max double NULL,
      wear_minutes integer NULL,
      steps integer NULL,
      active_minutes integer NULL,
      sleep_asleep_minutes integer NULL,
      sleep_in_bed_minutes integer NULL,
      sleep_efficiency double NULL,
      sleep_deep_minutes integer NULL,
      sleep_light_minutes integer NULL,
      sleep_rem_minutes integer NULL,
      sleep_awake_minutes integer NULL,
      sleep_start varchar(32) NULL,
      sleep_end varchar(32) NULL,
      sleep_total_minutes integer NULL,
      hrv_rmssd double NULL,
      spo2_average double NULL,
      spo2_lower double NULL,
      respiratory_rate double NULL,
      skin_temp_deviation double NULL,
      weight_kg double NULL,
      coverage text NOT NULL,
      updated_at datetime NOT NULL
    )`);
    await db.query(
      'CREATE UNIQUE INDEX uq_daily_aggregates_pid_date ON daily_aggregates (pid, date)',
    );
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP TABLE daily_aggregates');
  }
}
