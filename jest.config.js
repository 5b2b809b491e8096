// Jest runs in native ESM mode (chalk 5, uuid and other dependencies are ESM-only);
// `npm test` passes --experimental-vm-modules. ts-jest compiles the TypeScript tests.
/** @type {import('jest').Config} */
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.test.json' }],
  },
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  testTimeout: 60000,
  // Tests that spawn daemons and bind ports share the 2-core machine: keep parallelism modest.
  maxWorkers: 2,
};
