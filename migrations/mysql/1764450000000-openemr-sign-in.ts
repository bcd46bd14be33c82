import type { MigrationInterface, QueryRunner } from 'typeorm';

export class OpenEmrSignIn1764450000000 implements MigrationInterface {
  name = 'OpenEmrSignIn1764450000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query('ALTER TABLE staff_users ADD external_subject varchar(100) NULL');
    await db.query(
      'CREATE UNIQUE INDEX uq_staff_users_external_subject ON staff_users (external_subject)',
    );
    await db.query(`CREATE TABLE staff_sign_in_attempts (
      id int NOT NULL AUTO_INCREMENT,
      state_hash varchar(64) NOT NULL,
      verifier_hash varchar(64) NOT NULL,
      nonce varchar(64) NOT NULL,
      next_path varchar(500) NOT NULL,
      created_at datetime(3) NOT NULL,
      expires_at datetime(3) NOT NULL,
      used_at datetime(3) NULL,
      PRIMARY KEY (id),
      UNIQUE KEY uq_staff_sign_in_attempts_state (state_hash),
      KEY ix_staff_sign_in_attempts_expires (expires_at)
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP TABLE staff_sign_in_attempts');
    await db.query('DROP INDEX uq_staff_users_external_subject ON staff_users');
    await db.query('ALTER TABLE staff_users DROP COLUMN external_subject');
  }
}
