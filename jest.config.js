// One jest run, two projects: `unit` (pure logic, *.test.ts) and `integration` (*.it.test.ts, against
// the real local servers that test/support/globalSetup.ts starts).
const swcTransform = [
  '@swc/jest',
  {
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
      target: 'es2022',
    },
    module: { type: 'commonjs' },
  },
];

const common = {
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': swcTransform },
  moduleNameMapper: {
    '^@homegraph/platform$': '<rootDir>/platform/src/index.ts',
    '^@homegraph/schema$': '<rootDir>/schema/src/index.ts',
    // Generated Prisma clients import their siblings as './x.js'; jest resolves the .ts sources.
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  modulePathIgnorePatterns: ['<rootDir>/.*/dist/', '<rootDir>/.local/'],
};

module.exports = {
  projects: [
    {
      ...common,
      displayName: 'unit',
      testMatch: ['<rootDir>/**/test/**/*.test.ts'],
      testPathIgnorePatterns: ['/node_modules/', '\\.it\\.test\\.ts$'],
    },
    {
      ...common,
      displayName: 'integration',
      testMatch: ['<rootDir>/**/test/**/*.it.test.ts'],
      testPathIgnorePatterns: ['/node_modules/'],
      globalSetup: '<rootDir>/test/support/globalSetup.ts',
      setupFilesAfterEnv: ['<rootDir>/test/support/integrationSetup.ts'],
    },
  ],
};
