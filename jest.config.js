// Jest runs the TypeScript sources as native ESM (got, p-retry and nock ship only ESM):
// ts-jest's ESM preset compiles each file, and the mapper lets sources keep the `.js`
// suffix NodeNext requires on relative imports. `npm test` starts node with
// --experimental-vm-modules, which jest's ESM support needs.
import { availableParallelism } from 'node:os';

/** @type {import('jest').Config} */
export default {
  // Much of the suite waits on real sockets, child processes and retry backoffs rather than on
  // the CPU, so one worker more than there are cores keeps them busy (docs/testing.md).
  maxWorkers: availableParallelism() + 1,
  preset: 'ts-jest/presets/default-esm',
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  moduleNameMapper: {
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.json' }],
  },
  testTimeout: 30000,
};
