import { Command, InvalidArgumentError } from 'commander';
import { isStaffRole, STAFF_ROLES, StaffRole } from './auth/roles';
import type { CliContext } from './cli/context';
import type { BacktestOptions } from './cli/rules';
import { applyEnvFile } from './config/env-file';
import { keepFilesPrivate } from './database/private-files';

/**
 * Operator commands: the `vigil` bin (`npm run cli -- <command>`). Each command
 * loads what it needs when it runs, so `--help` and `keys:generate` answer at
 * once instead of after loading TypeORM, Nest and the drivers.
 */
// Database files, keys and backups the CLI creates are for the operator's user only.
keepFilesPrivate();

const program = new Command()
  .name('vigil')
  .description(
    'Vigil operator commands. Configuration comes from .env (or --env-file) under the environment; the environment wins (see .env.example).',
  )
  .option('--env-file <path>', 'read settings from this KEY=VALUE file instead of ./.env')
  .showHelpAfterError()
  .hook('preAction', () => {
    applyEnvFile(program.opts<{ envFile?: string }>().envFile);
  });

/** Opens the database and services for one command, and always closes them. */
async function withContext<T>(
  work: (ctx: CliContext) => Promise<T>,
  options: { migrate?: boolean } = {},
): Promise<T> {
  const { openCliContext } = await import('./cli/context');
  const ctx = await openCliContext(options);
  try {
    return await work(ctx);
  } finally {
    await ctx.close();
  }
}

const parseRole = (value: string): StaffRole => {
  if (!isStaffRole(value))
    throw new InvalidArgumentError(`expected one of ${STAFF_ROLES.join(', ')}`);
  return value;
};

program
  .command('migrate')
  .description('apply pending database migrations (the service also does this at start)')
  .option('--dry-run', 'list the pending migrations and change nothing')
  .action((options: { dryRun?: boolean }) =>
    withContext(
      async (ctx) => {
        if (options.dryRun) {
          const { engineOf } = await import('./database/data-source-options');
          const { appliedMigrations, compareSchema, knownMigrations } =
            await import('./database/schema-version');
          const { pending, unknown } = compareSchema(
            knownMigrations(engineOf(ctx.env)),
            await appliedMigrations(ctx.dataSource),
          );
          console.log(
            pending.length ? `Pending:\n  ${pending.join('\n  ')}` : 'No migrations are pending.',
          );
          if (unknown.length > 0) {
            console.log(
              `Applied by a newer Vigil, unknown to this one:\n  ${unknown.join('\n  ')}`,
            );
            process.exitCode = 1;
          }
          return;
        }
        const { migrateDatabase } = await import('./database/migrate');
        const applied = await migrateDatabase(ctx.dataSource);
        console.log(
          applied.length ? `Applied: ${applied.join(', ')}` : 'The schema is already up to date.',
        );
      },
      { migrate: false },
    ),
  );

program
  .command('backup')
  .description(
    "write a consistent snapshot of Vigil's database and a manifest into a new folder (not the key ring)",
  )
  .option(
    '--out <dir>',
    'folder to create',
    `backups/vigil-${new Date().toISOString().replace(/[-:]/g, '').slice(0, 15)}Z`,
  )
  .action(async (options: { out: string }) => {
    const { loadEnvironment } = await import('./config/environment');
    const { backupDatabase } = await import('./database/backup');
    const manifest = await backupDatabase(loadEnvironment(), options.out);
    const rows = Object.values(manifest.tables).reduce((sum, n) => sum + n, 0);
    console.log(
      `Backed up ${rows} row(s) in ${Object.keys(manifest.tables).length} tables at schema ${manifest.schemaVersion} into ${options.out}; secrets sealed with key(s) ${Object.keys(manifest.keyIds).join(', ') || '(none)'}. Keep the key ring somewhere else.`,
    );
  });

program
  .command('restore')
  .description(
    'restore a backup into an empty database, after checking its manifest against the configured keys',
  )
  .argument('<dir>', 'a folder written by vigil backup')
  .action(async (dir: string) => {
    const { loadEnvironment } = await import('./config/environment');
    const { restoreDatabase } = await import('./database/backup');
    const manifest = await restoreDatabase(loadEnvironment(), dir);
    console.log(
      `Restored the backup of ${manifest.createdAt} (schema ${manifest.schemaVersion}); migrations applied up to this Vigil's schema.`,
    );
  });

program
  .command('doctor')
  .description('check configuration, database and keys, and say what is wrong in plain words')
  .action(async () => {
    const { diagnose } = await import('./cli/doctor');
    const findings = await diagnose();
    for (const f of findings)
      console.log(`${f.ok ? 'ok  ' : 'FAIL'} ${f.what}${f.advice ? `\n       ${f.advice}` : ''}`);
    if (findings.some((f) => !f.ok)) process.exitCode = 1;
  });

program
  .command('token:create')
  .description('create an API token; it is shown once and only its hash is kept')
  .requiredOption('--role <role>', `one of ${STAFF_ROLES.join(', ')}`, parseRole)
  .requiredOption('--name <label>', 'who or what uses it, e.g. "lab integration"')
  .action((options: { role: StaffRole; name: string }) =>
    withContext(async (ctx) => {
      const { token, record } = await ctx.tokens.issue(
        options.role,
        options.name.slice(0, 100),
        'cli',
      );
      console.log(
        `Token ${record.id} (${record.role}, "${record.name}"). Copy it now; it is not shown again:\n${token}`,
      );
    }),
  );

program
  .command('token:revoke')
  .description('revoke an API token by id or by its printed prefix')
  .argument('<idOrPrefix>')
  .action((idOrPrefix: string) =>
    withContext(async (ctx) => {
      const revoked = await ctx.tokens.revoke(idOrPrefix, 'cli');
      if (!revoked) {
        console.error(`No live token matches "${idOrPrefix}".`);
        process.exitCode = 1;
      } else console.log(`Revoked token ${revoked.id} ("${revoked.name}").`);
    }),
  );

program
  .command('token:list')
  .description('list API tokens (never their values)')
  .action(() =>
    withContext(async (ctx) => {
      for (const t of await ctx.tokens.list()) {
        const state = t.revokedAt ? `revoked ${t.revokedAt.toISOString()}` : 'live';
        const used = t.lastUsedAt ? t.lastUsedAt.toISOString() : 'never';
        console.log(
          `${t.id}\t${t.tokenPrefix}…\t${t.role}\t${state}\tlast used ${used}\t${t.name}`,
        );
      }
    }),
  );

program
  .command('user:create')
  .description('create a local staff account for the web pages (prints a generated password once)')
  .requiredOption('--username <name>', 'sign-in name')
  .requiredOption('--role <role>', `one of ${STAFF_ROLES.join(', ')}`, parseRole)
  .option('--password-stdin', 'read the password from standard input instead of generating one')
  .action(async (options: { username: string; role: StaffRole; passwordStdin?: boolean }) => {
    const { generatePassword, passwordProblem } = await import('./auth/passwords');
    const password = options.passwordStdin ? (await readStdin()).trim() : generatePassword();
    const problem = passwordProblem(password);
    if (problem) throw new Error(`The password ${problem}.`);
    await withContext(async (ctx) => {
      const user = await ctx.staff.createLocalUser(
        options.username.trim(),
        options.role,
        password,
        'cli',
      );
      console.log(`Created ${user.role} "${user.username}".`);
      if (!options.passwordStdin) console.log(`Password (shown once): ${password}`);
    });
  });

function parseLimit(value: string): number {
  if (!/^\d{1,6}$/.test(value) || Number(value) < 1)
    throw new InvalidArgumentError('expected a whole number from 1');
  return Number(value);
}

const parsePid = (value: string): number => {
  if (!/^\d{1,15}$/.test(value) || Number(value) < 1)
    throw new InvalidArgumentError('expected an OpenEMR pid (a whole number)');
  return Number(value);
};

program
  .command('patient:enroll')
  .description('enroll an OpenEMR patient into monitoring (then: invite <pid>)')
  .argument('<pid>', 'OpenEMR patient id', parsePid)
  .option('--program <name>', 'cohort the patient is monitored in')
  .option('--sync-interval-minutes <n>', 'minutes between syncs (15-1440)', (v) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 15 || n > 1440)
      throw new InvalidArgumentError('expected a whole number of minutes from 15 to 1440');
    return n;
  })
  .action((pid: number, options: { program?: string; syncIntervalMinutes?: number }) =>
    withContext(async (ctx) => {
      const enrollment = await ctx.enrollments.enroll({ pid, ...options }, 'cli');
      console.log(
        `Enrolled patient ${enrollment.pid} (status ${enrollment.status}, sync every ${enrollment.syncIntervalMinutes} min). Next: vigil invite ${enrollment.pid}`,
      );
    }),
  );

program
  .command('patient:list')
  .description('list enrollments: status, granted data, last sync')
  .action(() =>
    withContext(async (ctx) => {
      for (const p of await ctx.enrollments.list()) {
        const granted = p.connection?.connected ? p.connection.grantedData.join(',') : '-';
        const synced = p.connection?.lastSyncAt?.toISOString() ?? 'never';
        console.log(
          `${p.pid}\t${p.status}\t${p.program ?? '-'}\t${granted}\tlast sync ${synced}\t${p.timeZone ?? '-'}`,
        );
      }
    }),
  );

program
  .command('invite')
  .description(
    "create a patient's single-use invitation link (replaces the previous one) and deliver it",
  )
  .argument('<pid>', 'OpenEMR patient id', parsePid)
  .action((pid: number) =>
    withContext(async (ctx) => {
      const issued = await ctx.invitations.invite(pid, 'cli');
      const via = [issued.delivered.portal && 'portal mail', issued.delivered.email && 'email']
        .filter(Boolean)
        .join(' and ');
      console.log(
        `Invitation for patient ${pid}, valid until ${issued.expiresAt.toISOString()}${via ? `, sent by ${via}` : ''}:\n${issued.url}`,
      );
    }),
  );

program
  .command('keys:generate')
  .description('print a new ENCRYPTION_KEYS entry (put it first to make it current)')
  .argument('[keyId]', 'key id', `k${new Date().toISOString().slice(0, 10).replace(/-/g, '')}`)
  .action(async (keyId: string) => {
    const { KeyRing } = await import('./crypto/key-ring');
    console.log(KeyRing.generateEntry(keyId));
  });

program
  .command('keys:rotate')
  .description('re-encrypt every stored secret with the current (first) key')
  .action(() =>
    withContext(async (ctx) => {
      const { resealed, total } = await ctx.secrets.rotateAll();
      console.log(
        `Re-encrypted ${resealed} of ${total} stored secret(s) with key ${ctx.secrets.keyRing.currentKeyId}.`,
      );
    }),
  );

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

program
  .command('rules:check')
  .description(
    'validate the rules folder (RULES_DIR) and say what a reload would change; --apply syncs it like POST /api/v1/rules/reload',
  )
  .option(
    '--apply',
    'write new versions for changed files (bad files keep their last good version)',
  )
  .action((options: { apply?: boolean }) =>
    withContext(async (ctx) => {
      const { checkRules } = await import('./cli/rules');
      if (!(await checkRules(ctx, options.apply === true))) process.exitCode = 1;
    }),
  );

program
  .command('backtest')
  .description('replay a saved rule (or a draft file) over stored history; writes nothing')
  .argument('<ruleId>', 'rule id, e.g. resting-hr-rise')
  .requiredOption('--from <date>', 'first local date, YYYY-MM-DD')
  .requiredOption('--to <date>', 'last local date, YYYY-MM-DD (at most 365 days)')
  .option('--pid <pid>', 'one patient', parsePid)
  .option('--program <program>', "a program's watched patients")
  .option('--draft <file>', 'a draft of the rule as a JSON file, tried instead of the saved one')
  .option('--json', 'print the whole report as JSON')
  .action((ruleId: string, options: BacktestOptions) =>
    withContext(async (ctx) => {
      const { backtestCommand } = await import('./cli/rules');
      if (!(await backtestCommand(ctx, ruleId, options))) process.exitCode = 1;
    }),
  );

program
  .command('openemr:login')
  .description(
    "sign Vigil in to OpenEMR's API once (api mode): prints the sign-in link, then completes it",
  )
  .action(() =>
    withContext(async (ctx) => {
      const { openEmrLogin } = await import('./openemr/api/openemr-login');
      const { createInterface } = await import('node:readline/promises');
      const prompt = createInterface({ input: process.stdin, output: process.stdout });
      try {
        await openEmrLogin(ctx.env, ctx.secrets, {
          say: (text) => console.log(text),
          ask: (question) => prompt.question(question),
        });
      } finally {
        prompt.close();
      }
    }),
  );

program
  .command('sync')
  .description("sync one patient's wearable data now (prints the outcome; exit 1 if it failed)")
  .argument('<pid>', 'OpenEMR pid', (value) => {
    if (!/^\d{1,18}$/.test(value)) throw new InvalidArgumentError('expected a pid');
    return Number(value);
  })
  .action((pid: number) =>
    withContext(async (ctx) => {
      const { syncFromCli } = await import('./ingest/sync-command');
      const outcome = await syncFromCli(ctx, pid);
      console.log(JSON.stringify(outcome));
      if (outcome.status !== 'synced') process.exitCode = 1;
    }),
  );

const work = program
  .command('work')
  .description('work parked as failed after its last attempt: list it, put it back in its queue');

work
  .command('failed')
  .description('list parked items per queue: id, attempts, when parked, the last error')
  .option('--queue <name>', 'one queue, by the name the list gives it')
  .option('--limit <n>', 'at most this many items per queue', parseLimit, 100)
  .action((options: { queue?: string; limit: number }) =>
    withContext(async (ctx) => {
      const { listFailedWork } = await import('./cli/work');
      if (!(await listFailedWork(ctx, options))) process.exitCode = 1;
    }),
  );

work
  .command('retry')
  .description(
    'put parked items back in their queue, due now with their attempts reset (audited); exit 1 if a named item was not parked',
  )
  .argument('<queue>', 'the queue, as `work failed` names it')
  .argument('[ids...]', 'the items, as `work failed` lists them')
  .option('--all', 'every parked item of the queue')
  .action((queue: string, ids: string[], options: { all?: boolean }) =>
    withContext(async (ctx) => {
      const { retryFailedWork } = await import('./cli/work');
      if (!(await retryFailedWork(ctx, queue, ids, options.all === true))) process.exitCode = 1;
    }),
  );

program.parseAsync(process.argv).catch((error: unknown) => {
  // A ConfigurationError's message lists every problem with the settings.
  console.error(error instanceof Error ? error.message : 'Command failed');
  process.exitCode = 1;
});
