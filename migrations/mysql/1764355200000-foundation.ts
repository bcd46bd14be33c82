import type { MigrationInterface, QueryRunner } from 'typeorm';

export class Foundation1764355200000 implements MigrationInterface {
  name = 'Foundation1764355200000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`CREATE TABLE api_tokens (
      id int NOT NULL AUTO_INCREMENT,
      name varchar(100) NOT NULL,
      role varchar(20) NOT NULL,
      token_hash varchar(64) NOT NULL,
      token_prefix varchar(16) NOT NULL,
      created_at datetime(3) NOT NULL,
      created_by varchar(100) NOT NULL,
      last_used_at datetime(3) NULL,
      revoked_at datetime(3) NULL,
      PRIMARY KEY (id),
      UNIQUE KEY uq_api_tokens_hash (token_hash)
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`);
    await db.query(`CREATE TABLE audit_events (
      id bigint NOT NULL AUTO_INCREMENT,
      occurred_at datetime(3) NOT NULL,
      actor varchar(100) NOT NULL,
      action varchar(64) NOT NULL,
      subject_type varchar(32) NOT NULL,
      subject_id varchar(64) NULL,
      pid bigint NULL,
      details text NULL,
      PRIMARY KEY (id),
      KEY ix_audit_events_subject (subject_type, subject_id),
      KEY ix_audit_events_pid (pid, occurred_at)
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`);
    await db.query(`CREATE TABLE stored_secrets (
      id int NOT NULL AUTO_INCREMENT,
      purpose varchar(64) NOT NULL,
      key_id varchar(32) NOT NULL,
      ciphertext text NOT NULL,
      created_at datetime(3) NOT NULL,
      updated_at datetime(3) NOT NULL,
      PRIMARY KEY (id),
      KEY ix_stored_secrets_key (key_id)
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP TABLE stored_secrets');
    await db.query('DROP TABLE audit_events');
    await db.query('DROP TABLE api_tokens');
  }
}
