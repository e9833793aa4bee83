import { defineConfig } from 'vitest/config';
import base from './vitest.config.js';

/** `npm run test:cluster`: the three-instance suite (test/cluster), run apart from `npm test` by CI (.ci/run). */
export default defineConfig({
  test: {
    ...base.test,
    include: ['test/cluster/**/*.test.ts'],
    exclude: [],
    testTimeout: 120_000,
    hookTimeout: 180_000,
  },
});
