import { availableParallelism } from 'node:os';
import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    environment: 'node',
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // The files mostly wait on git, servers and sockets: vitest's default (cores - 1) ran one at a time on
    // two cores, 13 minutes; three at once take 7 with every test passing.
    maxWorkers: Math.max(3, availableParallelism()),
    // The three-instance suite runs on its own: npm run test:cluster (vitest.cluster.config.ts).
    exclude: [...configDefaults.exclude, 'test/cluster/**'],
    reporters: ['default', './test/support/summary-reporter.ts'],
  },
});
