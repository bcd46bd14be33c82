import type { MigrationInterface, QueryRunner } from 'typeorm';

export class Rules1764420000000 implements MigrationInterface {
  name = 'Rules1764420000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`CREATE TABLE rules (
      id varchar(64) NOT NULL,
      current_version int NOT NULL,
      origin varchar(8) NOT NULL,
      created_at datetime(3) NOT NULL,
      updated_at datetime(3) NOT NULL,
      PRIMARY KEY (id)
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`);
    await db.query(`CREATE TABLE rule_versions (
      id bigint NOT NULL AUTO_INCREMENT,
      rule_id varchar(64) NOT NULL,
      version int NOT NULL,
      definition mediumtext NOT NULL,
      diff mediumtext NULL,
      source varchar(8) NOT NULL,
      created_by varchar(100) NOT NULL,
      created_at datetime(3) NOT NULL,
      PRIMARY KEY (id),
      UNIQUE KEY uq_rule_versions_rule_version (rule_id, version)
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`);
    await db.query(`CREATE TABLE rule_programs (
      id int NOT NULL AUTO_INCREMENT,
      rule_id varchar(64) NOT NULL,
      program varchar(64) NOT NULL,
      enabled tinyint NULL,
      params text NULL,
      updated_by varchar(100) NOT NULL,
      updated_at datetime(3) NOT NULL,
      PRIMARY KEY (id),
      UNIQUE KEY uq_rule_programs_rule_program (rule_id, program)
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`);
    await db.query(`CREATE TABLE patient_rule_params (
      id bigint NOT NULL AUTO_INCREMENT,
      pid bigint NOT NULL,
      rule_id varchar(64) NOT NULL,
      params text NOT NULL,
      updated_by varchar(100) NOT NULL,
      updated_at datetime(3) NOT NULL,
      PRIMARY KEY (id),
      UNIQUE KEY uq_patient_rule_params_pid_rule (pid, rule_id)
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`);
    await db.query(`CREATE TABLE rule_outcomes (
      id bigint NOT NULL AUTO_INCREMENT,
      pid bigint NOT NULL,
      rule_id varchar(64) NOT NULL,
      rule_version int NOT NULL,
      date date NOT NULL,
      result varchar(20) NOT NULL,
      facts text NOT NULL,
      message text NOT NULL,
      evaluated_at datetime(3) NOT NULL,
      PRIMARY KEY (id),
      UNIQUE KEY uq_rule_outcomes_pid_rule_date (pid, rule_id, date),
      KEY ix_rule_outcomes_pid_date (pid, date)
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP TABLE rule_outcomes');
    await db.query('DROP TABLE patient_rule_params');
    await db.query('DROP TABLE rule_programs');
    await db.query('DROP TABLE rule_versions');
    await db.query('DROP TABLE rules');
  }
}
