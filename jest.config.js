// Jest runs the TypeScript sources as native ESM (got, p-retry and nock ship only ESM):
// ts-jest's ESM preset compiles each file, and the mapper lets sources keep the `.js`
// suffix NodeNext requires on relative imports. `npm test` starts node with
// --experimental-vm-modules, which jest's ESM support needs.
/** @type {import('jest').Config} */
export default {
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
