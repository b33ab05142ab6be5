import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    root: new URL('..', import.meta.url).pathname,
    include: ['test/**/*.test.ts'],
    // One real DynamoDB Local serves the whole run; each test file works in tables of its own stage.
    globalSetup: ['test/support/global-dynamodb-local.ts'],
    // Node 20 is what local machines have (Lambda runs 22); the SDK's reminder of that only adds noise here.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    pool: 'forks',
    maxWorkers: 2,
    // Lets tests force a full GC to prove a handler keeps nothing of a batch.
    execArgv: ['--expose-gc'],
    reporters: ['default', './test/support/summary-reporter.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
