-- Vigil's own user in OpenEMR's database (delivery mode "database"): the least
-- it needs, table by table (docs/alerts-and-delivery.md says why each one).
-- Run as a MariaDB/MySQL administrator after replacing `openemr` (OpenEMR's
-- database), 'vigil'@'%' (user and host) and the password. `npm run cli -- doctor`
-- run with OPENEMR_DATABASE_URL set to this user proves each grant.
CREATE USER IF NOT EXISTS 'vigil'@'%' IDENTIFIED BY 'change-me';

-- Routing, the sender, sign-in roles (ACL groups), chart numbers.
GRANT SELECT ON `openemr`.`users` TO 'vigil'@'%';
GRANT SELECT ON `openemr`.`patient_data` TO 'vigil'@'%';
GRANT SELECT ON `openemr`.`gacl_aro` TO 'vigil'@'%';
GRANT SELECT ON `openemr`.`gacl_aro_groups` TO 'vigil'@'%';
GRANT SELECT ON `openemr`.`gacl_groups_aro_map` TO 'vigil'@'%';

-- The note_type option of messages. INSERT only adds "Device Alert" on the first
-- message: leave it out if you add the option yourself (Admin > Forms > Lists).
GRANT SELECT, INSERT ON `openemr`.`list_options` TO 'vigil'@'%';

-- Message Center messages and dated reminders: written, found again by a retry,
-- read back for Done / processed, and Vigil's other row of an alert closed.
GRANT SELECT, INSERT, UPDATE ON `openemr`.`pnotes` TO 'vigil'@'%';
GRANT SELECT, INSERT, UPDATE ON `openemr`.`dated_reminders` TO 'vigil'@'%';
GRANT SELECT, INSERT ON `openemr`.`dated_reminders_link` TO 'vigil'@'%';

-- Portal invitations through OpenEMR's secure mail (the next mail chain is MAX(id) + 1).
GRANT SELECT ON `openemr`.`patient_access_onsite` TO 'vigil'@'%';
GRANT SELECT, INSERT ON `openemr`.`onsite_mail` TO 'vigil'@'%';
