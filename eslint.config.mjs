import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/**
 * One owner per table (issue 14, docs/architecture.md "Database access"): only
 * a table's repository (`*.repository.ts`), the entities and `src/database/`
 * touch TypeORM. Services, controllers and page loaders call repositories, and
 * run transactions through `src/database/transactions.ts`, whose `Transaction`
 * alias keeps `typeorm` out of their imports. Type-only imports count too.
 *
 * `@nestjs/typeorm`: module files (`*.module.ts`) may import `TypeOrmModule`
 * alone, to wire `forRoot`/`forFeature`; its injection decorators
 * (`InjectRepository`, `InjectDataSource`) belong in repositories like the rest.
 *
 * Outside `src/`, `migrations/` (schema), `test/` and `bench/` (which set up and
 * check rows through the DataSource) are not restricted.
 */
const TYPEORM_RULE_MESSAGE =
  'Only *.repository.ts, *.entity.ts and src/database/ may use TypeORM: call the owning repository (docs/architecture.md, "Database access").';
const typeormImport = { name: 'typeorm', message: TYPEORM_RULE_MESSAGE };
const typeormSubpaths = { group: ['typeorm/*'], message: TYPEORM_RULE_MESSAGE };

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'node_modules/**',
      'data/**',
      'coverage/**',
      'test/artifacts/**',
      'jest.config.js',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      '@typescript-eslint/no-explicit-any': 'error',
      'no-console': 'error',
      eqeqeq: ['error', 'always', { null: 'ignore' }],
    },
  },
  {
    // Operator-facing entry points print to the terminal on purpose.
    files: ['src/cli.ts', 'src/demo.ts', 'src/main.ts', 'bench/**/*.ts', 'src/cli/**/*.ts'],
    rules: { 'no-console': 'off' },
  },
  {
    files: ['src/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [typeormImport, { name: '@nestjs/typeorm', message: TYPEORM_RULE_MESSAGE }],
          patterns: [typeormSubpaths],
        },
      ],
    },
  },
  {
    files: ['src/**/*.module.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            typeormImport,
            {
              name: '@nestjs/typeorm',
              allowImportNames: ['TypeOrmModule'],
              message: `Module files may import TypeOrmModule alone. ${TYPEORM_RULE_MESSAGE}`,
            },
          ],
          patterns: [typeormSubpaths],
        },
      ],
    },
  },
  {
    files: ['src/**/*.repository.ts', 'src/**/*.entity.ts', 'src/database/**/*.ts'],
    rules: { 'no-restricted-imports': 'off' },
  },
);
