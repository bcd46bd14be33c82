import { Command, InvalidArgumentError } from 'commander';
import { isStaffRole, STAFF_ROLES, StaffRole } from './auth/roles';
import { openCliContext } from './cli/context';
import { diagnose } from './cli/doctor';
import { ConfigurationError } from './config/environment';
import { KeyRing } from './crypto/key-ring';
import { migrateDatabase } from './database/migrate';

/** Operator commands: `npm run cli -- <command>` or the `vigil` bin. */
const program = new Command()
  .name('vigil')
  .description(
    'Vigil operator commands. Configuration comes from the environment (see .env.example).',
  )
  .showHelpAfterError();

const parseRole = (value: string): StaffRole => {
  if (!isStaffRole(value))
    throw new InvalidArgumentError(`expected one of ${STAFF_ROLES.join(', ')}`);
  return value;
};

program
  .command('migrate')
  .description('apply pending database migrations (the service also does this at start)')
  .action(async () => {
    const ctx = await openCliContext({ migrate: false });
    try {
      const applied = await migrateDatabase(ctx.dataSource);
      console.log(
        applied.length ? `Applied: ${applied.join(', ')}` : 'The schema is already up to date.',
      );
    } finally {
      await ctx.close();
    }
  });

program
  .command('doctor')
  .description('check configuration, database and keys, and say what is wrong in plain words')
  .action(async () => {
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
  .action(async (options: { role: StaffRole; name: string }) => {
    const ctx = await openCliContext();
    try {
      const { token, record } = await ctx.tokens.issue(
        options.role,
        options.name.slice(0, 100),
        'cli',
      );
      console.log(
        `Token ${record.id} (${record.role}, "${record.name}"). Copy it now; it is not shown again:\n${token}`,
      );
    } finally {
      await ctx.close();
    }
  });

program
  .command('token:revoke')
  .description('revoke an API token by id or by its printed prefix')
  .argument('<idOrPrefix>')
  .action(async (idOrPrefix: string) => {
    const ctx = await openCliContext();
    try {
      const revoked = await ctx.tokens.revoke(idOrPrefix, 'cli');
      if (!revoked) {
        console.error(`No live token matches "${idOrPrefix}".`);
        process.exitCode = 1;
      } else console.log(`Revoked token ${revoked.id} ("${revoked.name}").`);
    } finally {
      await ctx.close();
    }
  });

program
  .command('token:list')
  .description('list API tokens (never their values)')
  .action(async () => {
    const ctx = await openCliContext();
    try {
      for (const t of await ctx.tokens.list()) {
        const state = t.revokedAt ? `revoked ${t.revokedAt.toISOString()}` : 'live';
        const used = t.lastUsedAt ? t.lastUsedAt.toISOString() : 'never';
        console.log(
          `${t.id}\t${t.tokenPrefix}…\t${t.role}\t${state}\tlast used ${used}\t${t.name}`,
        );
      }
    } finally {
      await ctx.close();
    }
  });

program
  .command('keys:generate')
  .description('print a new ENCRYPTION_KEYS entry (put it first to make it current)')
  .argument('[keyId]', 'key id', `k${new Date().toISOString().slice(0, 10).replace(/-/g, '')}`)
  .action((keyId: string) => console.log(KeyRing.generateEntry(keyId)));

program
  .command('keys:rotate')
  .description('re-encrypt every stored secret with the current (first) key')
  .action(async () => {
    const ctx = await openCliContext();
    try {
      const { resealed, total } = await ctx.secrets.rotateAll();
      console.log(
        `Re-encrypted ${resealed} of ${total} stored secret(s) with key ${ctx.secrets.keyRing.currentKeyId}.`,
      );
    } finally {
      await ctx.close();
    }
  });

program.parseAsync(process.argv).catch((error: unknown) => {
  console.error(
    error instanceof ConfigurationError || error instanceof Error
      ? error.message
      : 'Command failed',
  );
  process.exitCode = 1;
});
