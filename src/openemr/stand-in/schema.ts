import type { OpenEmrEngine, OpenEmrSql } from '../openemr-database';

/**
 * The OpenEMR tables Vigil touches, in OpenEMR's own column shapes
 * (sql/database.sql and ../../shared/contracts/openemr.md), trimmed to the
 * columns Vigil or its tests read. Used by the demo (SQLite) and the tests
 * (MariaDB, strict and sql_mode=''). It is a stand-in, not OpenEMR: no PHP,
 * no globals, no installer rows beyond what seed.ts adds.
 */
const MYSQL = [
  `CREATE TABLE users (
    id bigint(20) NOT NULL AUTO_INCREMENT,
    uuid binary(16) DEFAULT NULL,
    username varchar(255) DEFAULT NULL,
    password longtext,
    authorized tinyint(4) DEFAULT NULL,
    fname varchar(255) DEFAULT NULL,
    mname varchar(255) DEFAULT NULL,
    lname varchar(255) DEFAULT NULL,
    email varchar(255) DEFAULT NULL,
    active tinyint(1) NOT NULL DEFAULT 1,
    calendar tinyint(1) NOT NULL DEFAULT 0,
    portal_user tinyint(1) NOT NULL DEFAULT 0,
    PRIMARY KEY (id),
    UNIQUE KEY uuid (uuid)
  ) ENGINE=InnoDB`,
  `CREATE TABLE patient_data (
    id bigint(20) NOT NULL AUTO_INCREMENT,
    uuid binary(16) DEFAULT NULL,
    pid bigint(20) NOT NULL DEFAULT 0,
    pubpid varchar(255) NOT NULL DEFAULT '',
    fname varchar(255) NOT NULL DEFAULT '',
    lname varchar(255) NOT NULL DEFAULT '',
    DOB date DEFAULT NULL,
    email varchar(255) NOT NULL DEFAULT '',
    providerID int(11) DEFAULT NULL,
    allow_patient_portal varchar(31) NOT NULL DEFAULT '',
    PRIMARY KEY (id),
    UNIQUE KEY pid (pid),
    UNIQUE KEY uuid (uuid)
  ) ENGINE=InnoDB`,
  `CREATE TABLE patient_access_onsite (
    id int(11) NOT NULL AUTO_INCREMENT,
    pid bigint(20) DEFAULT NULL,
    portal_username varchar(100) DEFAULT NULL,
    portal_login_username varchar(100) DEFAULT NULL,
    portal_pwd varchar(255) DEFAULT NULL,
    portal_pwd_status tinyint(4) DEFAULT 1,
    PRIMARY KEY (id),
    UNIQUE KEY pid (pid)
  ) ENGINE=InnoDB`,
  `CREATE TABLE gacl_aro (
    id int(11) NOT NULL DEFAULT 0,
    section_value varchar(150) NOT NULL DEFAULT '0',
    value varchar(150) NOT NULL,
    order_value int(11) NOT NULL DEFAULT 0,
    name varchar(255) NOT NULL,
    hidden int(11) NOT NULL DEFAULT 0,
    PRIMARY KEY (id),
    UNIQUE KEY gacl_section_value_value_aro (section_value, value)
  ) ENGINE=InnoDB`,
  `CREATE TABLE gacl_aro_groups (
    id int(11) NOT NULL DEFAULT 0,
    parent_id int(11) NOT NULL DEFAULT 0,
    lft int(11) NOT NULL DEFAULT 0,
    rgt int(11) NOT NULL DEFAULT 0,
    name varchar(255) NOT NULL,
    value varchar(150) NOT NULL,
    PRIMARY KEY (id, value),
    UNIQUE KEY gacl_value_aro_groups (value)
  ) ENGINE=InnoDB`,
  `CREATE TABLE gacl_groups_aro_map (
    group_id int(11) NOT NULL DEFAULT 0,
    aro_id int(11) NOT NULL DEFAULT 0,
    PRIMARY KEY (group_id, aro_id),
    KEY gacl_aro_id (aro_id)
  ) ENGINE=InnoDB`,
  `CREATE TABLE list_options (
    list_id varchar(100) NOT NULL DEFAULT '',
    option_id varchar(100) NOT NULL DEFAULT '',
    title varchar(255) NOT NULL DEFAULT '',
    seq int(11) NOT NULL DEFAULT 0,
    is_default tinyint(1) NOT NULL DEFAULT 0,
    option_value float NOT NULL DEFAULT 0,
    mapping varchar(31) NOT NULL DEFAULT '',
    notes text,
    codes varchar(255) NOT NULL DEFAULT '',
    activity tinyint(4) NOT NULL DEFAULT 1,
    subtype varchar(31) NOT NULL DEFAULT '',
    PRIMARY KEY (list_id, option_id)
  ) ENGINE=InnoDB`,
  `CREATE TABLE pnotes (
    id bigint(20) NOT NULL AUTO_INCREMENT,
    date datetime DEFAULT NULL,
    body longtext,
    pid bigint(20) DEFAULT NULL,
    user varchar(255) DEFAULT NULL,
    groupname varchar(255) DEFAULT NULL,
    activity tinyint(4) DEFAULT NULL,
    authorized tinyint(4) DEFAULT NULL,
    title varchar(255) DEFAULT NULL,
    assigned_to varchar(255) DEFAULT NULL,
    deleted tinyint(4) DEFAULT 0,
    message_status varchar(20) NOT NULL DEFAULT 'New',
    portal_relation varchar(100) DEFAULT NULL,
    is_msg_encrypted tinyint(2) DEFAULT 0,
    update_by bigint(20) DEFAULT NULL,
    update_date datetime DEFAULT NULL,
    PRIMARY KEY (id),
    KEY pid (pid)
  ) ENGINE=InnoDB`,
  `CREATE TABLE dated_reminders (
    dr_id int(11) NOT NULL AUTO_INCREMENT,
    dr_from_ID int(11) NOT NULL,
    dr_message_text varchar(160) NOT NULL,
    dr_message_sent_date datetime NOT NULL,
    dr_message_due_date date NOT NULL,
    pid bigint(20) NOT NULL,
    message_priority tinyint(1) NOT NULL,
    message_processed tinyint(1) NOT NULL DEFAULT 0,
    processed_date timestamp NULL DEFAULT NULL,
    dr_processed_by int(11) NOT NULL,
    PRIMARY KEY (dr_id),
    KEY dr_from_ID (dr_from_ID, dr_message_due_date)
  ) ENGINE=InnoDB`,
  `CREATE TABLE dated_reminders_link (
    dr_link_id int(11) NOT NULL AUTO_INCREMENT,
    dr_id int(11) NOT NULL,
    to_id int(11) NOT NULL,
    PRIMARY KEY (dr_link_id),
    KEY to_id (to_id)
  ) ENGINE=InnoDB`,
  `CREATE TABLE onsite_mail (
    id bigint(20) NOT NULL AUTO_INCREMENT,
    date datetime DEFAULT NULL,
    owner varchar(128) DEFAULT NULL,
    user varchar(255) DEFAULT NULL,
    groupname varchar(255) DEFAULT NULL,
    activity tinyint(4) DEFAULT NULL,
    authorized tinyint(4) DEFAULT NULL,
    header varchar(255) DEFAULT NULL,
    title varchar(255) DEFAULT NULL,
    body longtext,
    recipient_id varchar(128) DEFAULT NULL,
    recipient_name varchar(255) DEFAULT NULL,
    sender_id varchar(128) DEFAULT NULL,
    sender_name varchar(255) DEFAULT NULL,
    assigned_to varchar(255) DEFAULT NULL,
    deleted tinyint(4) DEFAULT 0,
    delete_date datetime DEFAULT NULL,
    mtype varchar(128) DEFAULT NULL,
    message_status varchar(20) NOT NULL DEFAULT 'New',
    mail_chain int(11) DEFAULT NULL,
    reply_mail_chain int(11) DEFAULT NULL,
    is_msg_encrypted tinyint(2) DEFAULT 0,
    PRIMARY KEY (id),
    KEY pid (owner)
  ) ENGINE=InnoDB`,
];

/** The same tables for SQLite: same names, columns, nullability and defaults. */
function sqliteFromMysql(statement: string): string {
  return statement
    .replace(/ENGINE=InnoDB/u, '')
    .replace(
      /(\w+) (?:bigint|int)\(\d+\) NOT NULL AUTO_INCREMENT,/u,
      '$1 integer PRIMARY KEY AUTOINCREMENT NOT NULL,',
    )
    .replace(/,\s*PRIMARY KEY \((?:id|dr_id|dr_link_id)\)/u, '')
    .replace(/,\s*(?:UNIQUE )?KEY \w+ \([^)]*\)/gu, '')
    .replace(/\b(bigint|int|tinyint)\(\d+\)/gu, 'integer')
    .replace(/\blongtext\b/gu, 'text')
    .replace(/\bbinary\(16\)/gu, 'blob');
}

const MYSQL_INDEXES: Record<string, string[]> = {
  users: ['CREATE UNIQUE INDEX users_uuid ON users (uuid)'],
  patient_data: [
    'CREATE UNIQUE INDEX patient_data_pid ON patient_data (pid)',
    'CREATE UNIQUE INDEX patient_data_uuid ON patient_data (uuid)',
  ],
  patient_access_onsite: [
    'CREATE UNIQUE INDEX patient_access_onsite_pid ON patient_access_onsite (pid)',
  ],
  gacl_aro: ['CREATE UNIQUE INDEX gacl_section_value_value_aro ON gacl_aro (section_value, value)'],
  gacl_aro_groups: ['CREATE UNIQUE INDEX gacl_value_aro_groups ON gacl_aro_groups (value)'],
  gacl_groups_aro_map: ['CREATE INDEX gacl_aro_id ON gacl_groups_aro_map (aro_id)'],
  pnotes: ['CREATE INDEX pnotes_pid ON pnotes (pid)'],
  dated_reminders: [
    'CREATE INDEX dated_reminders_from ON dated_reminders (dr_from_ID, dr_message_due_date)',
  ],
  dated_reminders_link: ['CREATE INDEX dated_reminders_link_to ON dated_reminders_link (to_id)'],
  onsite_mail: ['CREATE INDEX onsite_mail_owner ON onsite_mail (owner)'],
};

function standInSchema(engine: OpenEmrEngine): string[] {
  if (engine === 'mysql') return MYSQL;
  return MYSQL.flatMap((statement) => {
    const table = /CREATE TABLE (\w+)/u.exec(statement)![1];
    return [sqliteFromMysql(statement), ...(MYSQL_INDEXES[table] ?? [])];
  });
}

/** Creates the stand-in's tables in an empty database. */
export async function createStandInTables(sql: OpenEmrSql): Promise<void> {
  for (const statement of standInSchema(sql.engine)) await sql.update(statement);
}
