/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }] },
  projects: [
    {
      displayName: 'unit',
      testEnvironment: 'node',
      transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }] },
      testMatch: ['<rootDir>/backend/test/unit/**/*.test.ts'],
    },
    {
      displayName: 'integration',
      testEnvironment: 'node',
      transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }] },
      testMatch: ['<rootDir>/backend/test/integration/**/*.test.ts'],
      globalSetup: '<rootDir>/backend/test/integration/support/global-setup.ts',
      globalTeardown: '<rootDir>/backend/test/integration/support/global-teardown.ts',
      setupFilesAfterEnv: ['<rootDir>/backend/test/integration/support/long-timeout.ts'],
    },
  ],
};
