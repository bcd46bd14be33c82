import type { MigrationInterface, QueryRunner } from 'typeorm';

export class Consent1764400000000 implements MigrationInterface {
  name = 'Consent1764400000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`CREATE TABLE enrollments (
      id integer PRIMARY KEY AUTOINCREMENT NOT NULL,
      pid bigint NOT NULL,
      program varchar(64) NULL,
      status varchar(20) NOT NULL,
      time_zone varchar(64) NULL,
      sync_interval_minutes integer NOT NULL,
      created_at datetime NOT NULL,
      created_by varchar(100) NOT NULL,
      updated_at datetime NOT NULL,
      ended_at datetime NULL
    )`);
    await db.query('CREATE UNIQUE INDEX uq_enrollments_pid ON enrollments (pid)');
    await db.query('CREATE INDEX ix_enrollments_status ON enrollments (status)');
    await db.query(`CREATE TABLE invitations (
      id integer PRIMARY KEY AUTOINCREMENT NOT NULL,
      enrollment_id integer NOT NULL,
      token_hash varchar(64) NOT NULL,
      created_at datetime NOT NULL,
      created_by varchar(100) NOT NULL,
      expires_at datetime NOT NULL,
      used_at datetime NULL,
      revoked_at datetime NULL
    )`);
    await db.query('CREATE UNIQUE INDEX uq_invitations_token ON invitations (token_hash)');
    await db.query('CREATE INDEX ix_invitations_enrollment ON invitations (enrollment_id)');
    await db.query(`CREATE TABLE oauth_attempts (
      id integer PRIMARY KEY AUTOINCREMENT NOT NULL,
      invitation_id integer NOT NULL,
      state_hash varchar(64) NOT NULL,
      browser_hash varchar(64) NOT NULL,
      verifier_secret_id integer NULL,
      created_at datetime NOT NULL,
      expires_at datetime NOT NULL,
      used_at datetime NULL
    )`);
    await db.query('CREATE UNIQUE INDEX uq_oauth_attempts_state ON oauth_attempts (state_hash)');
    await db.query('CREATE INDEX ix_oauth_attempts_invitation ON oauth_attempts (invitation_id)');
    await db.query(`CREATE TABLE wearable_connections (
      id integer PRIMARY KEY AUTOINCREMENT NOT NULL,
      enrollment_id integer NOT NULL,
      provider varchar(32) NOT NULL,
      health_user_id varchar(64) NOT NULL,
      legacy_user_id varchar(64) NULL,
      granted_scopes text NOT NULL,
      refresh_secret_id integer NULL,
      access_secret_id integer NULL,
      access_expires_at datetime NULL,
      refresh_failures integer NOT NULL,
      refresh_retry_at datetime NULL,
      disconnect_token_hash varchar(64) NULL,
      connected_at datetime NOT NULL,
      disconnected_at datetime NULL,
      next_sync_at datetime NULL,
      last_sync_at datetime NULL,
      last_device_sync_at datetime NULL
    )`);
    await db.query(
      'CREATE UNIQUE INDEX uq_wearable_connections_enrollment ON wearable_connections (enrollment_id)',
    );
    await db.query(
      'CREATE UNIQUE INDEX uq_wearable_connections_disconnect ON wearable_connections (disconnect_token_hash)',
    );
    await db.query(
      'CREATE INDEX ix_wearable_connections_health_user ON wearable_connections (health_user_id)',
    );
    await db.query(
      'CREATE INDEX ix_wearable_connections_next_sync ON wearable_connections (next_sync_at)',
    );
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP TABLE wearable_connections');
    await db.query('DROP TABLE oauth_attempts');
    await db.query('DROP TABLE invitations');
    await db.query('DROP TABLE enrollments');
  }
}
