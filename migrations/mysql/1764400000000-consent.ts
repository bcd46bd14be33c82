import type { MigrationInterface, QueryRunner } from 'typeorm';

export class Consent1764400000000 implements MigrationInterface {
  name = 'Consent1764400000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`CREATE TABLE enrollments (
      id int NOT NULL AUTO_INCREMENT,
      pid bigint NOT NULL,
      program varchar(64) NULL,
      status varchar(20) NOT NULL,
      time_zone varchar(64) NULL,
      sync_interval_minutes int NOT NULL,
      created_at datetime(3) NOT NULL,
      created_by varchar(100) NOT NULL,
      updated_at datetime(3) NOT NULL,
      ended_at datetime(3) NULL,
      PRIMARY KEY (id),
      UNIQUE KEY uq_enrollments_pid (pid),
      KEY ix_enrollments_status (status)
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`);
    await db.query(`CREATE TABLE invitations (
      id int NOT NULL AUTO_INCREMENT,
      enrollment_id int NOT NULL,
      token_hash varchar(64) NOT NULL,
      created_at datetime(3) NOT NULL,
      created_by varchar(100) NOT NULL,
      expires_at datetime(3) NOT NULL,
      used_at datetime(3) NULL,
      revoked_at datetime(3) NULL,
      PRIMARY KEY (id),
      UNIQUE KEY uq_invitations_token (token_hash),
      KEY ix_invitations_enrollment (enrollment_id)
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`);
    await db.query(`CREATE TABLE oauth_attempts (
      id int NOT NULL AUTO_INCREMENT,
      invitation_id int NOT NULL,
      state_hash varchar(64) NOT NULL,
      browser_hash varchar(64) NOT NULL,
      verifier_secret_id int NULL,
      created_at datetime(3) NOT NULL,
      expires_at datetime(3) NOT NULL,
      used_at datetime(3) NULL,
      PRIMARY KEY (id),
      UNIQUE KEY uq_oauth_attempts_state (state_hash),
      KEY ix_oauth_attempts_invitation (invitation_id)
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`);
    await db.query(`CREATE TABLE wearable_connections (
      id int NOT NULL AUTO_INCREMENT,
      enrollment_id int NOT NULL,
      provider varchar(32) NOT NULL,
      health_user_id varchar(64) NOT NULL,
      legacy_user_id varchar(64) NULL,
      granted_scopes text NOT NULL,
      refresh_secret_id int NULL,
      access_secret_id int NULL,
      access_expires_at datetime(3) NULL,
      refresh_failures int NOT NULL,
      refresh_retry_at datetime(3) NULL,
      disconnect_token_hash varchar(64) NULL,
      connected_at datetime(3) NOT NULL,
      disconnected_at datetime(3) NULL,
      next_sync_at datetime(3) NULL,
      last_sync_at datetime(3) NULL,
      last_device_sync_at datetime(3) NULL,
      PRIMARY KEY (id),
      UNIQUE KEY uq_wearable_connections_enrollment (enrollment_id),
      UNIQUE KEY uq_wearable_connections_disconnect (disconnect_token_hash),
      KEY ix_wearable_connections_health_user (health_user_id),
      KEY ix_wearable_connections_next_sync (next_sync_at)
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP TABLE wearable_connections');
    await db.query('DROP TABLE oauth_attempts');
    await db.query('DROP TABLE invitations');
    await db.query('DROP TABLE enrollments');
  }
}
