import { existsSync, accessSync, constants } from 'node:fs';
import { ConfigurationError, Environment, loadEnvironment } from '../config/environment';
import { KeyRing } from '../crypto/key-ring';
import { StoredSecretRepository } from '../crypto/stored-secret.repository';
import { DatabaseProbe } from '../database/database-probe';
import { type Database, openDatabaseToDiagnose } from '../database/open-database';
import { engineOf, sqlitePath } from '../database/data-source-options';
import { appliedMigrations, compareSchema, knownMigrations } from '../database/schema-version';
import { heldPrivileges, missingPrivileges } from '../database/vigil-grants';
import type { SchemaComparison } from '../database/schema-version';
import { redactText } from '../logging/redact';
import { RuleStore } from '../rules/rule-store.repository';
import { enabledRulesAskingForReminders } from '../rules/validation/rule-warnings';
import { diagnoseOpenEmr } from '../openemr/doctor-checks';
import { diagnoseGoogleOAuth } from '../consent/doctor-checks';

export interface Finding {
  ok: boolean;
  what: string;
  /** What to do about it, in plain words, when not ok. */
  advice?: string;
}

/** Checks configuration, the database and the key ring; says what is wrong and what to do. */
export async function diagnose(source: NodeJS.ProcessEnv = process.env): Promise<Finding[]> {
  let env: Environment;
  try {
    env = loadEnvironment(source);
  } catch (error) {
    if (!(error instanceof ConfigurationError)) throw error;
    return error.problems.map((p) => ({
      ok: false,
      what: `${p.variable} is not valid`,
      advice: p.problem,
    }));
  }
  const findings: Finding[] = [{ ok: true, what: 'Configuration is valid' }];
  const engine = engineOf(env);
  if (engine === 'sqlite') {
    const dir = env.DATA_DIR;
    const writable = !existsSync(dir) || canWrite(dir);
    findings.push(
      writable
        ? { ok: true, what: `Embedded database at ${sqlitePath(env)}` }
        : {
            ok: false,
            what: `DATA_DIR ${dir} is not writable`,
            advice: 'Give the service user write access or set DATA_DIR',
          },
    );
  }
  let dataSource: Database | undefined;
  try {
    dataSource = await openDatabaseToDiagnose(env);
    await new DatabaseProbe(dataSource).ping();
    findings.push({
      ok: true,
      what: `The ${engine === 'mysql' ? 'MySQL/MariaDB' : 'SQLite'} database answers`,
    });
    if (engine === 'mysql') findings.push(grantsFinding(await heldPrivileges(dataSource)));
    const schema = compareSchema(knownMigrations(engine), await appliedMigrations(dataSource));
    const pending = schema.pending.length > 0 || schema.unknown.length > 0;
    findings.push(schemaFinding(schema));
    if (!pending) findings.push(await checkKeys(new StoredSecretRepository(dataSource), env));
    if (!pending && env.openEmrMode === 'api')
      findings.push(...(await checkReminders(new RuleStore(dataSource))));
  } catch (error) {
    findings.push({
      ok: false,
      what: 'The database does not answer',
      advice: `${redactText(error instanceof Error ? error.message : String(error))} - check DATABASE_URL, that the server runs, and the user's rights`,
    });
  } finally {
    await dataSource?.destroy();
  }
  findings.push(...(await diagnoseOpenEmr(env)));
  findings.push(...diagnoseGoogleOAuth(env));
  return findings;
}

/** Vigil's own user: the rights deploy/mariadb/vigil-user.sql gives, on its database. */
export function grantsFinding(held: string[]): Finding {
  const missing = missingPrivileges(held);
  if (missing.length === 0)
    return { ok: true, what: "Vigil's database user holds the rights it needs on its database" };
  return {
    ok: false,
    what: `Vigil's database user lacks ${missing.join(', ')} on its database`,
    advice:
      'Grant them as deploy/mariadb/vigil-user.sql does (rows for the work; CREATE, ALTER, INDEX, DROP, REFERENCES because migrations run at start). Rights held only through a role are not seen here.',
  };
}

/** Code and schema must agree: pending migrations, or ones only a newer Vigil knows. */
export function schemaFinding({ pending, unknown }: SchemaComparison): Finding {
  if (unknown.length > 0)
    return {
      ok: false,
      what: `The database was migrated by a newer Vigil (${unknown.join(', ')}), which this code does not know`,
      advice:
        'Run the release that migrated it (code is deployed before or with its migrations, never after)',
    };
  if (pending.length > 0)
    return {
      ok: false,
      what: `The code expects ${pending.length} migration(s) the database lacks: ${pending.join(', ')}`,
      advice:
        'Run `vigil migrate` once (see `vigil migrate --dry-run`), then restart the API and the workers',
    };
  return { ok: true, what: 'The schema matches this code' };
}

async function checkKeys(secrets: StoredSecretRepository, env: Environment): Promise<Finding> {
  const ring = KeyRing.parse(env.ENCRYPTION_KEYS);
  const rows = await secrets.countByKey();
  const configured = env.ENCRYPTION_KEYS.split(',').map((e) => e.split(':')[0]);
  const missing = rows.filter((r) => !configured.includes(r.keyId));
  if (missing.length > 0) {
    return {
      ok: false,
      what: `Secrets sealed with unknown key(s): ${missing.map((m) => `${m.keyId} (${m.count})`).join(', ')}`,
      advice:
        'Add the old key back to ENCRYPTION_KEYS (after the current one), then run keys:rotate',
    };
  }
  const stale = rows.filter((r) => r.keyId !== ring.currentKeyId).reduce((n, r) => n + r.count, 0);
  return stale > 0
    ? {
        ok: true,
        what: `${stale} secret(s) still sealed with an older key; run keys:rotate to move them`,
      }
    : { ok: true, what: `Secrets are sealed with the current key (${ring.currentKeyId})` };
}

/** OpenEMR's API has no dated reminders: name the rules that will get their message only. */
async function checkReminders(store: RuleStore): Promise<Finding[]> {
  const [rules, settings] = await Promise.all([store.rulesInForce(), store.programSettings()]);
  const asking = enabledRulesAskingForReminders(
    rules.map(({ rule, definition }) => ({ id: rule.id, origin: rule.origin, definition })),
    settings,
  );
  if (asking.length === 0) return [];
  return [
    {
      ok: true,
      what: `Rules asking for dated reminders get their Message Center message only, since reminders are not possible through OpenEMR's API: ${asking.join(', ')}`,
    },
  ];
}

function canWrite(dir: string): boolean {
  try {
    accessSync(dir, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}
