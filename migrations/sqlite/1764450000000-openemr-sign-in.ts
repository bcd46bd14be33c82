import type { MigrationInterface, QueryRunner } from 'typeorm';

export class OpenEmrSignIn1764450000000 implements MigrationInterface {
  name = 'OpenEmrSignIn1764450000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query('ALTER TABLE staff_users ADD COLUMN external_subject varchar(100) NULL');
    await db.query(
      'CREATE UNIQUE INDEX uq_staff_users_external_subject ON staff_users (external_subject)',
    );
    await db.query(`CREATE TABLE staff_sign_in_attempts (
      id integer PRIMARY KEY AUTOINCREMENT NOT NULL,
      state_hash varchar(64) NOT NULL,
      verifier_hash varchar(64) NOT NULL,
      nonce varchar(64) NOT NULL,
      next_path varchar(500) NOT NULL,
      created_at datetime NOT NULL,
      expires_at datetime NOT NULL,
      used_at datetime NULL
    )`);
    await db.query(
      'CREATE UNIQUE INDEX uq_staff_sign_in_attempts_state ON staff_sign_in_attempts (state_hash)',
    );
    await db.query(
      'CREATE INDEX ix_staff_sign_in_attempts_expires ON staff_sign_in_attempts (expires_at)',
    );
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP TABLE staff_sign_in_attempts');
    await db.query('DROP INDEX uq_staff_users_external_subject');
    await db.query('ALTER TABLE staff_users DROP COLUMN external_subject');
  }
}
