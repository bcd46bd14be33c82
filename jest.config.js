// Three tiers (DESIGN.md): unit tests sit beside the code they test; integration
// tests use real databases, HTTP and SMTP; browser tests drive Debian's Chromium.
const tsJest = ['ts-jest', { diagnostics: false }];
const common = {
  transform: { '^.+\\.ts$': tsJest },
  testEnvironment: 'node',
  moduleFileExtensions: ['ts', 'js', 'json'],
  // When the integration or security project runs, every log line of every project goes to one
  // file that their global teardown scans for secrets (test/security/log-scan-*.ts).
  setupFiles: ['<rootDir>/test/support/log-file.ts'],
};
// Tiers with real parts get a 60 s default per test and hook (test/support/real-parts-timeout.ts).
const realParts = { setupFilesAfterEnv: ['<rootDir>/test/support/real-parts-timeout.ts'] };

module.exports = {
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/src/**/*.spec.ts'] },
    {
      ...common,
      ...realParts,
      displayName: 'integration',
      testMatch: ['<rootDir>/test/integration/**/*.spec.ts'],
      // MariaDB tier check, plus the secrets-in-logs scan over every log line of the run.
      globalSetup: '<rootDir>/test/security/log-scan-setup.ts',
      globalTeardown: '<rootDir>/test/security/log-scan-teardown.ts',
    },
    { ...common, ...realParts, displayName: 'browser', testMatch: ['<rootDir>/test/browser/**/*.spec.ts'] },
    // Minutes long, real processes: run with `npm run test:chaos`, not with `npm test`.
    ...(process.env.VIGIL_CHAOS === '1'
      ? [
          {
            ...common,
            displayName: 'chaos',
            testMatch: ['<rootDir>/test/chaos/**/*.spec.ts'],
            globalSetup: '<rootDir>/test/support/global-setup.ts',
            globalTeardown: '<rootDir>/test/support/global-teardown.ts',
          },
        ]
      : []),
    // Bad input (issue 8): bounded property tests; FUZZ_RUNS sets the cases per target.
    {
      ...common,
      displayName: 'fuzz',
      testMatch: ['<rootDir>/test/fuzz/**/*.spec.ts'],
      globalSetup: '<rootDir>/test/support/global-setup.ts',
      globalTeardown: '<rootDir>/test/support/global-teardown.ts',
    },
    // Security (issue 8): its own specs; alone (`npm run test:security`) also the integration
    // specs that already prove a control, which `npm test` runs in the integration project.
    {
      ...common,
      displayName: 'security',
      testMatch: [
        '<rootDir>/test/security/**/*.spec.ts',
        ...(process.env.VIGIL_SECURITY_ALONE === '1'
          ? [
              'consent',
              'sign-in',
              'webhook',
              'secrets',
              'foundation',
              'http-contract',
              'route-access',
            ].map((name) => `<rootDir>/test/integration/${name}.spec.ts`)
          : []),
      ],
      globalSetup: '<rootDir>/test/security/log-scan-setup.ts',
      globalTeardown: '<rootDir>/test/security/log-scan-teardown.ts',
    },
  ],
};
