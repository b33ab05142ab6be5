import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    root: new URL('..', import.meta.url).pathname,
    // Node 20 is what local machines have (Lambda runs 22); the SDK's reminder of that only adds noise here.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    pool: 'forks',
    maxWorkers: 2,
    // Lets tests force a full GC to prove a handler keeps nothing of a batch.
    execArgv: ['--expose-gc'],
    reporters: ['default', './test/support/summary-reporter.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    projects: [
      // Pure code: no DynamoDB Local, so `npm run test:unit` starts in a second, not after a JVM.
      { extends: true, test: { name: 'unit', include: ['test/unit/**/*.test.ts'] } },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/**/*.test.ts'],
          exclude: ['test/unit/**'],
          // One real DynamoDB Local serves the whole project; each test file works in tables of its own stage.
          globalSetup: ['test/support/global-dynamodb-local.ts'],
        },
      },
    ],
  },
});
