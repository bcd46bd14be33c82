-- Vigil's own database and its user, with rights on that database only.
-- Run once as a MariaDB/MySQL administrator, after choosing the password:
--   mariadb -u root -p < deploy/mariadb/vigil-user.sql
-- then DATABASE_URL=mysql://vigil:<password>@localhost:3306/vigil
--
-- The service applies pending migrations at start, so the user may change the
-- schema of its own database (CREATE, ALTER, INDEX, DROP, REFERENCES) besides
-- reading and writing rows. It gets nothing on any other database, no global
-- rights (no FILE, PROCESS, SUPER, CREATE USER), and cannot create databases:
-- the database is created here. Named locks (GET_LOCK) need no grant.
-- OpenEMR's database gets its own user: see deploy/mariadb/openemr-user.sql.
-- `.ci/production-install` starts the compiled service as this user.

CREATE DATABASE IF NOT EXISTS `vigil` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;

CREATE USER IF NOT EXISTS 'vigil'@'localhost' IDENTIFIED BY 'change-this-password';

GRANT SELECT, INSERT, UPDATE, DELETE, CREATE, ALTER, INDEX, DROP, REFERENCES
  ON `vigil`.* TO 'vigil'@'localhost';
