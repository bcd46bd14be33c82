import type { MigrationInterface, QueryRunner } from 'typeorm';

export class Alerts1764430000000 implements MigrationInterface {
  name = 'Alerts1764430000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`CREATE TABLE alerts (
      id bigint NOT NULL AUTO_INCREMENT,
      pid bigint NOT NULL,
      rule_id varchar(64) NOT NULL,
      rule_version int NOT NULL,
      episode_start date NOT NULL,
      severity varchar(10) NOT NULL,
      state varchar(16) NOT NULL,
      lifecycle text NOT NULL,
      rule_title varchar(200) NOT NULL,
      message text NOT NULL,
      recipients text NULL,
      routing_reasons text NULL,
      fired_at datetime(3) NULL,
      escalated_at datetime(3) NULL,
      created_at datetime(3) NOT NULL,
      updated_at datetime(3) NOT NULL,
      PRIMARY KEY (id),
      UNIQUE KEY uq_alerts_episode (pid, rule_id, episode_start),
      KEY ix_alerts_state (state, severity),
      KEY ix_alerts_pid_rule (pid, rule_id)
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`);
    await db.query(`CREATE TABLE alert_transitions (
      id bigint NOT NULL AUTO_INCREMENT,
      alert_id bigint NOT NULL,
      occurred_at datetime(3) NOT NULL,
      local_date date NOT NULL,
      from_state varchar(16) NULL,
      to_state varchar(16) NOT NULL,
      cause varchar(40) NOT NULL,
      actor varchar(100) NOT NULL,
      note varchar(500) NULL,
      PRIMARY KEY (id),
      KEY ix_alert_transitions_alert (alert_id, id),
      CONSTRAINT fk_alert_transitions_alert FOREIGN KEY (alert_id) REFERENCES alerts (id)
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`);
    await db.query(`CREATE TABLE deliveries (
      id bigint NOT NULL AUTO_INCREMENT,
      kind varchar(16) NOT NULL,
      marker varchar(24) NOT NULL,
      dedup_key varchar(191) NULL,
      pid bigint NULL,
      recipient varchar(255) NULL,
      recipient_user_id bigint NULL,
      payload mediumtext NOT NULL,
      status varchar(16) NOT NULL,
      attempts int NOT NULL,
      next_attempt_at datetime(3) NOT NULL,
      claimed_until datetime(3) NULL,
      last_error varchar(500) NULL,
      openemr_row_id bigint NULL,
      acknowledged_at datetime(3) NULL,
      created_at datetime(3) NOT NULL,
      delivered_at datetime(3) NULL,
      PRIMARY KEY (id),
      UNIQUE KEY uq_deliveries_marker (marker),
      UNIQUE KEY uq_deliveries_dedup (dedup_key),
      KEY ix_deliveries_due (status, next_attempt_at),
      KEY ix_deliveries_pid (pid)
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`);
    await db.query(`CREATE TABLE delivery_alerts (
      delivery_id bigint NOT NULL,
      alert_id bigint NOT NULL,
      PRIMARY KEY (delivery_id, alert_id),
      KEY ix_delivery_alerts_alert (alert_id),
      CONSTRAINT fk_delivery_alerts_delivery FOREIGN KEY (delivery_id) REFERENCES deliveries (id),
      CONSTRAINT fk_delivery_alerts_alert FOREIGN KEY (alert_id) REFERENCES alerts (id)
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP TABLE delivery_alerts');
    await db.query('DROP TABLE deliveries');
    await db.query('DROP TABLE alert_transitions');
    await db.query('DROP TABLE alerts');
  }
}
