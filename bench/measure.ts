/**
 * How measurements are taken and recorded: targets alternate within every
 * repetition (the order rotating), so drift on a shared machine hits all of
 * them alike; every sample is kept for medians and spread.
 */
import { median } from './stats.js';
import type { Target } from './target.js';

export type TargetName = Target['name'];

/** One line of the ratio table. */
export interface ResultRow {
  section: string;
  measurement: string;
  unit: string;
  better: 'lower' | 'higher';
  values: Partial<Record<TargetName, number[]>>;
  /** The target for this line, in words, if it has one. */
  goal?: string;
  /** Whether the medians meet `goal` (computed by the scenario). */
  met?: (ratio: Ratios) => boolean;
}

/** Medians of gitgate over the others. */
export interface Ratios {
  toFile: number | null;
  toNginx: number | null;
}

/** Memory peaks, MB. */
export interface MemoryRow {
  scenario: string;
  target: TargetName;
  idleFront: number;
  peakFront: number;
  peakGit: number;
}

/** Everything one run produced. */
export interface BenchResults {
  rows: ResultRow[];
  memory: MemoryRow[];
  /** Exact commands, credentials replaced by placeholders. */
  commands: string[];
  /** Lower bounds measured in the run (what no server can go below), one sentence each. */
  bounds: string[];
  notes: string[];
}

/**
 * Runs `measure` on every target `reps` times, rotating the order each
 * repetition; returns the samples per target.
 */
export async function alternate<T extends Target, V = number>(
  reps: number,
  targets: readonly T[],
  measure: (target: T, rep: number) => Promise<V>,
): Promise<Partial<Record<TargetName, V[]>>> {
  const samples: Partial<Record<TargetName, V[]>> = {};
  for (let rep = 0; rep < reps; rep++) {
    for (let i = 0; i < targets.length; i++) {
      const target = targets[(i + rep) % targets.length]!;
      const value = await measure(target, rep);
      (samples[target.name] ??= []).push(value);
    }
  }
  return samples;
}

/** Picks one field out of alternated samples. */
export function field<V>(samples: Partial<Record<TargetName, V[]>>, pick: (v: V) => number): Partial<Record<TargetName, number[]>> {
  return Object.fromEntries(Object.entries(samples).map(([name, vs]) => [name, (vs as V[]).map(pick)]));
}

/** gitgate's median over each other target's median. */
export function ratios(row: ResultRow): Ratios {
  const g = row.values.gitgate;
  const over = (other: number[] | undefined): number | null => (g && other ? median(g) / median(other) : null);
  return { toFile: over(row.values.file), toNginx: over(row.values.nginx) };
}

/** Replaces secrets in a command line with placeholders for the results file. */
export function redact(line: string, secrets: Record<string, string>): string {
  let out = line;
  for (const [placeholder, secret] of Object.entries(secrets)) {
    if (secret) out = out.split(secret).join(placeholder).split(encodeURIComponent(secret)).join(placeholder);
  }
  return out;
}
