/**
 * Prints one plain closing line, `Tests: N passed, N failed, N skipped`,
 * after vitest's own report, so CI can read the outcome of the run; before
 * it, when fuzz properties ran (see fuzz.ts), how many cases they tried.
 */
import type { Reporter, TestModule } from 'vitest/node';

export default class SummaryReporter implements Reporter {
  onTestRunEnd(modules: ReadonlyArray<TestModule>): void {
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    let properties = 0;
    let cases = 0;
    for (const module of modules) {
      for (const test of module.children.allTests()) {
        const state = test.result().state;
        if (state === 'passed') passed++;
        else if (state === 'failed') failed++;
        else skipped++;
        const fuzzCases = test.meta().fuzzCases;
        if (fuzzCases !== undefined && state !== 'skipped') {
          properties++;
          cases += fuzzCases;
        }
      }
      if (module.state() === 'failed' && [...module.children.allTests()].length === 0) failed++;
    }
    if (properties > 0) process.stdout.write(`\nFuzz: ${properties} properties, ${cases} cases\n`);
    process.stdout.write(`\nTests: ${passed} passed, ${failed} failed, ${skipped} skipped\n`);
  }
}
