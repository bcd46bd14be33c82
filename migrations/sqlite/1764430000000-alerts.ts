import type { MigrationInterface, QueryRunner } from 'typeorm';

export class Alerts1764430000000 implements MigrationInterface {
  name = 'Alerts1764430000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`CREATE TABLE alerts (
      id integer PRIMARY KEY AUTOINCREMENT NOT NULL,
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
      fired_at datetime NULL,
      escalated_at datetime NULL,
      created_at datetime NOT NULL,
      updated_at datetime NOT NULL
    )`);
    await db.query('CREATE UNIQUE INDEX uq_alerts_episode ON alerts (pid, rule_id, episode_start)');
    await db.query('CREATE INDEX ix_alerts_state ON alerts (state, severity)');
    await db.query('CREATE INDEX ix_alerts_pid_rule ON alerts (pid, rule_id)');
    await db.query(`CREATE TABLE alert_transitions (
      id integer PRIMARY KEY AUTOINCREMENT NOT NULL,
      alert_id bigint NOT NULL REFERENCES alerts (id),
      occurred_at datetime NOT NULL,
      local_date date NOT NULL,
      from_state varchar(16) NULL,
      to_state varchar(16) NOT NULL,
      cause varchar(40) NOT NULL,
      actor varchar(100) NOT NULL,
      note varchar(500) NULL
    )`);
    await db.query('CREATE INDEX ix_alert_transitions_alert ON alert_transitions (alert_id, id)');
    await db.query(`CREATE TABLE deliveries (
      id integer PRIMARY KEY AUTOINCREMENT NOT NULL,
      kind varchar(16) NOT NULL,
      marker varchar(24) NOT NULL,
      dedup_key varchar(191) NULL,
      pid bigint NULL,
      recipient varchar(255) NULL,
      recipient_user_id bigint NULL,
      payload text NOT NULL,
      status varchar(16) NOT NULL,
      attempts int NOT NULL,
      next_attempt_at datetime NOT NULL,
      claimed_until datetime NULL,
      last_error varchar(500) NULL,
      openemr_row_id bigint NULL,
      acknowledged_at datetime NULL,
      created_at datetime NOT NULL,
      delivered_at datetime NULL
    )`);
    await db.query('CREATE UNIQUE INDEX uq_deliveries_marker ON deliveries (marker)');
    await db.query('CREATE UNIQUE INDEX uq_deliveries_dedup ON deliveries (dedup_key)');
    await db.query('CREATE INDEX ix_deliveries_due ON deliveries (status, next_attempt_at)');
    await db.query('CREATE INDEX ix_deliveries_pid ON deliveries (pid)');
    await db.query(`CREATE TABLE delivery_alerts (
      delivery_id bigint NOT NULL REFERENCES deliveries (id),
      alert_id bigint NOT NULL REFERENCES alerts (id),
      PRIMARY KEY (delivery_id, alert_id)
    )`);
    await db.query('CREATE INDEX ix_delivery_alerts_alert ON delivery_alerts (alert_id)');
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP TABLE delivery_alerts');
    await db.query('DROP TABLE deliveries');
    await db.query('DROP TABLE alert_transitions');
    await db.query('DROP TABLE alerts');
  }
}
