import type { MigrationInterface, QueryRunner } from 'typeorm';

export class Rules1764420000000 implements MigrationInterface {
  name = 'Rules1764420000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`CREATE TABLE rules (
      id varchar(64) PRIMARY KEY NOT NULL,
      current_version integer NOT NULL,
      origin varchar(8) NOT NULL,
      created_at datetime NOT NULL,
      updated_at datetime NOT NULL
    )`);
    await db.query(`CREATE TABLE rule_versions (
      id integer PRIMARY KEY AUTOINCREMENT NOT NULL,
      rule_id varchar(64) NOT NULL,
      version integer NOT NULL,
      definition text NOT NULL,
      diff text NULL,
      source varchar(8) NOT NULL,
      created_by varchar(100) NOT NULL,
      created_at datetime NOT NULL
    )`);
    await db.query(
      'CREATE UNIQUE INDEX uq_rule_versions_rule_version ON rule_versions (rule_id, version)',
    );
    await db.query(`CREATE TABLE rule_programs (
      id integer PRIMARY KEY AUTOINCREMENT NOT NULL,
      rule_id varchar(64) NOT NULL,
      program varchar(64) NOT NULL,
      enabled tinyint NULL,
      params text NULL,
      updated_by varchar(100) NOT NULL,
      updated_at datetime NOT NULL
    )`);
    await db.query(
      'CREATE UNIQUE INDEX uq_rule_programs_rule_program ON rule_programs (rule_id, program)',
    );
    await db.query(`CREATE TABLE patient_rule_params (
      id integer PRIMARY KEY AUTOINCREMENT NOT NULL,
      pid bigint NOT NULL,
      rule_id varchar(64) NOT NULL,
      params text NOT NULL,
      updated_by varchar(100) NOT NULL,
      updated_at datetime NOT NULL
    )`);
    await db.query(
      'CREATE UNIQUE INDEX uq_patient_rule_params_pid_rule ON patient_rule_params (pid, rule_id)',
    );
    await db.query(`CREATE TABLE rule_outcomes (
      id integer PRIMARY KEY AUTOINCREMENT NOT NULL,
      pid bigint NOT NULL,
      rule_id varchar(64) NOT NULL,
      rule_version integer NOT NULL,
      date date NOT NULL,
      result varchar(20) NOT NULL,
      facts text NOT NULL,
      message text NOT NULL,
      evaluated_at datetime NOT NULL
    )`);
    await db.query(
      'CREATE UNIQUE INDEX uq_rule_outcomes_pid_rule_date ON rule_outcomes (pid, rule_id, date)',
    );
    await db.query('CREATE INDEX ix_rule_outcomes_pid_date ON rule_outcomes (pid, date)');
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP TABLE rule_outcomes');
    await db.query('DROP TABLE patient_rule_params');
    await db.query('DROP TABLE rule_programs');
    await db.query('DROP TABLE rule_versions');
    await db.query('DROP TABLE rules');
  }
}
