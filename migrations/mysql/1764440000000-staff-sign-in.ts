import type { MigrationInterface, QueryRunner } from 'typeorm';

export class StaffSignIn1764440000000 implements MigrationInterface {
  name = 'StaffSignIn1764440000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`CREATE TABLE staff_users (
      id int NOT NULL AUTO_INCREMENT,
      username varchar(100) NOT NULL,
      role varchar(20) NOT NULL,
      source varchar(16) NOT NULL,
      password_hash varchar(200) NULL,
      failed_sign_ins int NOT NULL,
      locked_until datetime(3) NULL,
      created_at datetime(3) NOT NULL,
      disabled_at datetime(3) NULL,
      PRIMARY KEY (id),
      UNIQUE KEY uq_staff_users_username (username)
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`);
    await db.query(`CREATE TABLE staff_sessions (
      id int NOT NULL AUTO_INCREMENT,
      session_hash varchar(64) NOT NULL,
      user_id int NOT NULL,
      created_at datetime(3) NOT NULL,
      expires_at datetime(3) NOT NULL,
      revoked_at datetime(3) NULL,
      PRIMARY KEY (id),
      UNIQUE KEY uq_staff_sessions_hash (session_hash),
      KEY ix_staff_sessions_user (user_id)
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP TABLE staff_sessions');
    await db.query('DROP TABLE staff_users');
  }
}
