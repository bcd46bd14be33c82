import type { MigrationInterface, QueryRunner } from 'typeorm';

export class Foundation1764355200000 implements MigrationInterface {
  name = 'Foundation1764355200000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`CREATE TABLE api_tokens (
      id integer PRIMARY KEY AUTOINCREMENT NOT NULL,
      name varchar(100) NOT NULL,
      role varchar(20) NOT NULL,
      token_hash varchar(64) NOT NULL,
      token_prefix varchar(16) NOT NULL,
      created_at datetime NOT NULL,
      created_by varchar(100) NOT NULL,
      last_used_at datetime NULL,
      revoked_at datetime NULL
    )`);
    await db.query('CREATE UNIQUE INDEX uq_api_tokens_hash ON api_tokens (token_hash)');
    await db.query(`CREATE TABLE audit_events (
      id integer PRIMARY KEY AUTOINCREMENT NOT NULL,
      occurred_at datetime NOT NULL,
      actor varchar(100) NOT NULL,
      action varchar(64) NOT NULL,
      subject_type varchar(32) NOT NULL,
      subject_id varchar(64) NULL,
      pid bigint NULL,
      details text NULL
    )`);
    await db.query(
      'CREATE INDEX ix_audit_events_subject ON audit_events (subject_type, subject_id)',
    );
    await db.query('CREATE INDEX ix_audit_events_pid ON audit_events (pid, occurred_at)');
    await db.query(`CREATE TABLE stored_secrets (
      id integer PRIMARY KEY AUTOINCREMENT NOT NULL,
      purpose varchar(64) NOT NULL,
      key_id varchar(32) NOT NULL,
      ciphertext text NOT NULL,
      created_at datetime NOT NULL,
      updated_at datetime NOT NULL
    )`);
    await db.query('CREATE INDEX ix_stored_secrets_key ON stored_secrets (key_id)');
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP TABLE stored_secrets');
    await db.query('DROP TABLE audit_events');
    await db.query('DROP TABLE api_tokens');
  }
}
