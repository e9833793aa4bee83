/**
 * The property-based (fuzz) suites' settings and their one way of running a
 * property: a fixed seed by default, so that every run tries the same cases
 * and a failure reproduces, and a multiplier for the number of runs.
 *
 * - `FUZZ_SEED=<integer>` replays another seed; `FUZZ_SEED=random` draws one
 *   per test file (fast-check shows it with any counterexample).
 * - `FUZZ_RUNS=<factor>` multiplies every property's runs (`FUZZ_RUNS=10` for
 *   a long local session, `FUZZ_RUNS=0.1` for a quick one).
 *
 * Each property is one vitest test whose name ends in its number of cases;
 * the summary reporter adds them up.
 */
import fc from 'fast-check';
import { it } from 'vitest';

declare module 'vitest' {
  interface TaskMeta {
    /** Cases a fuzz property ran (set by fuzzIt). */
    fuzzCases?: number;
  }
}

/** The seed every property of this run starts from. */
export const FUZZ_SEED: number = seedFromEnv(process.env.FUZZ_SEED);

const FACTOR = factorFromEnv(process.env.FUZZ_RUNS);

/** `base` runs scaled by FUZZ_RUNS, at least one. */
export function fuzzRuns(base: number): number {
  return Math.max(1, Math.round(base * FACTOR));
}

/**
 * Declares a test that checks `property` on `base` (× FUZZ_RUNS) generated
 * cases with the run's seed; a failure reports fast-check's shrunk
 * counterexample together with the seed and path that replay it.
 * `timeoutMs` (for properties that do I/O) grows with FUZZ_RUNS.
 *
 * @example fuzzIt('never throws', 2000, () => fc.property(fc.string(), (s) => { parse(s); }));
 */
export function fuzzIt<Ts>(name: string, base: number, property: () => fc.IRawProperty<Ts>, timeoutMs?: number): void {
  const numRuns = fuzzRuns(base);
  it(
    `${name} [${numRuns} cases]`,
    async ({ task }) => {
      task.meta.fuzzCases = numRuns;
      await fc.assert(property(), { seed: FUZZ_SEED, numRuns });
    },
    timeoutMs === undefined ? undefined : timeoutMs * Math.max(1, FACTOR),
  );
}

function seedFromEnv(value: string | undefined): number {
  if (value === undefined || value === '') return 0x5eed;
  if (value === 'random') return Math.floor(Math.random() * 0x7fffffff);
  if (!/^-?\d+$/.test(value)) throw new Error(`FUZZ_SEED must be an integer or "random", not ${JSON.stringify(value)}`);
  return Number(value) | 0;
}

function factorFromEnv(value: string | undefined): number {
  if (value === undefined || value === '') return 1;
  const factor = Number(value);
  if (!Number.isFinite(factor) || factor <= 0) throw new Error(`FUZZ_RUNS must be a positive number, not ${JSON.stringify(value)}`);
  return factor;
}
