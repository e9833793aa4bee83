import { defineConfig } from 'vitest/config';
import base from './vitest.config.js';

/** The three-instance suite (test/cluster): `npm test` runs it after the rest, on its own (it starts three gateways and nginx); `npm run test:cluster` runs it alone. */
export default defineConfig({
  test: {
    ...base.test,
    include: ['test/cluster/**/*.test.ts'],
    exclude: [],
    testTimeout: 120_000,
    hookTimeout: 180_000,
  },
});
