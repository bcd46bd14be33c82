import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

/**
 * The one-owner-per-table lint rule (eslint.config.mjs), run through ESLint's
 * Node API on synthetic files. ESLint loads its ES-module config with import(),
 * which jest's module sandbox cannot, so the linting runs in a child Node.
 */
const ROOT = join(__dirname, '..', '..');

interface Verdict {
  filePath: string;
  restricted: string[];
}

const LINT_SCRIPT = `
const { ESLint } = require('eslint');
(async () => {
  const eslint = new ESLint({ cwd: process.cwd() });
  const cases = JSON.parse(process.argv[1]);
  const verdicts = [];
  for (const { filePath, code } of cases) {
    const [result] = await eslint.lintText(code, { filePath });
    verdicts.push({
      filePath,
      restricted: result.messages
        .filter((m) => m.ruleId === 'no-restricted-imports' || m.fatal)
        .map((m) => m.message),
    });
  }
  process.stdout.write(JSON.stringify({ verdicts }));
})().catch((error) => { process.stderr.write(String(error && error.stack)); process.exit(1); });
`;

const DATA_SOURCE = "import { DataSource } from 'typeorm';\nexport type Db = DataSource;\n";
const ENTITY_MANAGER =
  "import type { EntityManager } from 'typeorm';\nexport type Tx = EntityManager;\n";
const INJECT_REPOSITORY =
  "import { InjectRepository } from '@nestjs/typeorm';\nexport const inject = InjectRepository;\n";
const TYPEORM_MODULE =
  "import { TypeOrmModule } from '@nestjs/typeorm';\nexport const wiring = TypeOrmModule;\n";
const SUBPATH =
  "import { Repository } from 'typeorm/repository/Repository';\nexport type R = Repository<object>;\n";

const CASES = [
  { filePath: 'src/alerts/x.controller.ts', code: DATA_SOURCE },
  { filePath: 'src/web/patient/x-page.ts', code: ENTITY_MANAGER },
  { filePath: 'src/ingest/x-service.ts', code: INJECT_REPOSITORY },
  { filePath: 'src/ingest/x-service.ts', code: SUBPATH },
  { filePath: 'src/alerts/x.module.ts', code: INJECT_REPOSITORY },
  { filePath: 'src/alerts/x.module.ts', code: DATA_SOURCE },
  { filePath: 'src/alerts/x.module.ts', code: TYPEORM_MODULE },
  { filePath: 'src/alerts/x.repository.ts', code: DATA_SOURCE },
  { filePath: 'src/alerts/x.entity.ts', code: DATA_SOURCE },
  { filePath: 'src/database/x.ts', code: ENTITY_MANAGER },
  { filePath: 'test/integration/x.spec.ts', code: DATA_SOURCE },
  { filePath: 'bench/x.ts', code: DATA_SOURCE },
  { filePath: 'migrations/sqlite/1-x.ts', code: DATA_SOURCE },
];

const TYPEORM_IMPORT = /from '(typeorm|@nestjs\/typeorm)(\/[^']*)?'/;

describe('lint rule: only repositories, entities and src/database/ use TypeORM', () => {
  let verdicts: Verdict[];

  beforeAll(() => {
    const out = execFileSync(process.execPath, ['-e', LINT_SCRIPT, JSON.stringify(CASES)], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    ({ verdicts } = JSON.parse(out) as { verdicts: Verdict[] });
  }, 60_000);

  const verdict = (index: number): string[] => verdicts[index].restricted;

  it('fails a controller, a page loader and a service that import typeorm or @nestjs/typeorm', () => {
    for (const index of [0, 1, 2, 3]) {
      expect(verdict(index)).toHaveLength(1);
      expect(verdict(index)[0]).toContain('Only *.repository.ts, *.entity.ts and src/database/');
    }
  });

  it('lets a module file wire TypeOrmModule, and nothing else of TypeORM', () => {
    expect(verdict(4)).toHaveLength(1);
    expect(verdict(5)).toHaveLength(1);
    expect(verdict(6)).toEqual([]);
  });

  it('passes repositories, entities, src/database/, tests, benches and migrations', () => {
    for (const index of [7, 8, 9, 10, 11, 12]) expect(verdict(index)).toEqual([]);
  });

  it('holds on the tree: no file under src/ but repositories, entities, modules and src/database/ imports TypeORM', () => {
    const offenders = sourceFiles(join(ROOT, 'src'))
      .map((file) => relative(ROOT, file).split('\\').join('/'))
      .filter((file) => !/\.(repository|entity)\.ts$|^src\/database\//.test(file))
      .filter((file) => !file.endsWith('.module.ts'))
      .filter((file) => TYPEORM_IMPORT.test(readFileSync(join(ROOT, file), 'utf8')));
    expect(offenders).toEqual([]);
  });
});

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? sourceFiles(join(dir, entry.name))
      : entry.name.endsWith('.ts')
        ? [join(dir, entry.name)]
        : [],
  );
}
