import { defineConfig } from 'vitest/config';
import cluster from './vitest.cluster.config.js';

/** `npm run bench:cluster` (bench/cluster/cluster-bench.run.ts): measures, asserts nothing, part of no test run. */
export default defineConfig({
  test: {
    ...cluster.test,
    include: ['bench/cluster/**/*.run.ts'],
    testTimeout: 900_000,
  },
});
