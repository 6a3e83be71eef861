import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    setupFiles: ['test/setup.ts'],
    // Handler modules build their clients at import, as on Lambda; this is the environment they import
    // with in unit tests. The SDK clients are mocked, so nothing here is ever contacted.
    env: {
      TABLE_NAME: 'parley-test',
      CALLBACK_URL: 'https://abc123.execute-api.us-east-1.amazonaws.com/test',
      PUBLICATION_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/123456789012/parley-publications.fifo',
      DELIVERY_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/123456789012/parley-deliveries.fifo',
      AUTH_MODE: 'cognito',
      COGNITO_USER_POOL_ID: 'us-east-1_TestPool1',
      COGNITO_CLIENT_ID: 'testclientid',
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
    },
    testTimeout: 20_000,
    hookTimeout: 60_000,
  },
});
