import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 180_000,
    pool: 'forks',
    env: {
      AMPLIFY_DISABLE_TELEMETRY: '1',
      CDK_DISABLE_CLI_TELEMETRY: 'true',
    },
  },
});
