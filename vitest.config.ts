import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // One DynamoDB Local for the whole run; each test file gets its own table.
    globalSetup: ['test/setup/dynamodb-local.ts'],
    pool: 'forks',
    // See local/runtime.ts: the pinned SDK runs on Node 20; its Node 22 notice is noise in test output.
    // Handlers' info logs (one per applied event) would bury test failures; warnings still show.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', LOG_LEVEL: 'warn' },
    testTimeout: 30_000,
    hookTimeout: 120_000,
  },
});
