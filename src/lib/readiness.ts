/** The readiness probe's vocabulary: what each dependency check found. */

/** One dependency the readiness probe checked. */
export interface ReadinessCheck {
  /** `db`, `git`, `redis`: reported as GitLab's `<name>_check`. */
  name: string;
  ok: boolean;
  /** Why not (for the log, not for the client). */
  error?: string;
}

/**
 * Runs every check at once, each given at most `timeoutMs`, and reports
 * each one (a check that throws or takes longer failed).
 */
export async function runReadinessChecks(checks: Record<string, () => Promise<void>>, timeoutMs: number): Promise<ReadinessCheck[]> {
  return Promise.all(
    Object.entries(checks).map(async ([name, check]): Promise<ReadinessCheck> => {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      });
      try {
        await Promise.race([check(), timeout]);
        return { name, ok: true };
      } catch (err) {
        return { name, ok: false, error: err instanceof Error ? err.message : String(err) };
      } finally {
        clearTimeout(timer);
      }
    }),
  );
}
