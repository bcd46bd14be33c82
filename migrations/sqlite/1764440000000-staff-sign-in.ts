import type { MigrationInterface, QueryRunner } from 'typeorm';

export class StaffSignIn1764440000000 implements MigrationInterface {
  name = 'StaffSignIn1764440000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`CREATE TABLE staff_users (
      id integer PRIMARY KEY AUTOINCREMENT NOT NULL,
      username varchar(100) NOT NULL,
      role varchar(20) NOT NULL,
      source varchar(16) NOT NULL,
      password_hash varchar(200) NULL,
      failed_sign_ins integer NOT NULL,
      locked_until datetime NULL,
      created_at datetime NOT NULL,
      disabled_at datetime NULL
    )`);
    await db.query('CREATE UNIQUE INDEX uq_staff_users_username ON staff_users (username)');
    await db.query(`CREATE TABLE staff_sessions (
      id integer PRIMARY KEY AUTOINCREMENT NOT NULL,
      session_hash varchar(64) NOT NULL,
      user_id integer NOT NULL,
      created_at datetime NOT NULL,
      expires_at datetime NOT NULL,
      revoked_at datetime NULL
    )`);
    await db.query('CREATE UNIQUE INDEX uq_staff_sessions_hash ON staff_sessions (session_hash)');
    await db.query('CREATE INDEX ix_staff_sessions_user ON staff_sessions (user_id)');
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP TABLE staff_sessions');
    await db.query('DROP TABLE staff_users');
  }
}
