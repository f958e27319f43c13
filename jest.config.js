/** Tests run as ESM against the TypeScript sources; the CLI end-to-end tests run the built bin. */
export default {
  testEnvironment: 'node',
  roots: ['<rootDir>/packages', '<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: {
    '^@countersign/core$': '<rootDir>/packages/core/src/index.ts',
    '^@countersign/cli$': '<rootDir>/packages/cli/src/index.ts',
    '^@countersign/ledger$': '<rootDir>/packages/ledger/src/index.ts',
    '^@countersign/azure$': '<rootDir>/packages/azure/src/index.ts',
    '^@countersign/steps$': '<rootDir>/packages/steps/src/index.ts',
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: '<rootDir>/tsconfig.tests.json' }],
  },
  modulePathIgnorePatterns: ['<rootDir>/packages/.*/dist/'],
  testTimeout: 30000,
  // The second writes each file's start and end where CI's watchdog (.ci/watchdog) reads them, when asked to.
  reporters: ['default', '<rootDir>/test/reporters/file-timeline.mjs'],
};
