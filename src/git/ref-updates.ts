/**
 * Ref updates this instance knows of beyond what file timestamps tell: the
 * pushes it ran itself and those other instances announced (through Redis,
 * see src/cache/ref-update-bus.ts). Each known update changes the
 * repository's stamp, which RefStates mixes into every RefState digest, so
 * every cached answer (advertisement, ls-refs, clone) of the repository is
 * out of reach at once, whatever the file system's attribute cache or the
 * clocks of the hosts say. The "settled for 2 s" rule stays underneath for
 * changes made outside gitgate.
 */

/** Publishes a ref update to the other instances; resolves once they were told (or it gave up). */
export type RefUpdatePublisher = (repoPath: string) => Promise<void>;

/**
 * Per-repository stamps, in this process. Stamps only grow: a path's stamp
 * is the value of one process-wide counter at its last update, and
 * `forgetAll` (updates may have been missed) moves every stamp at once. The
 * map holds one number per repository ever pushed to or announced; it is
 * never trimmed, since a forgotten stamp would return to one that old
 * answers were cached under.
 */
export class RefUpdates {
  readonly #stamps = new Map<string, number>();
  #counter = 0;
  #epoch = 0;
  #publish: RefUpdatePublisher | null = null;

  /** The stamp of `repoPath`'s known updates; changes whenever one is recorded. */
  stamp(repoPath: string): string {
    return `${this.#epoch}:${this.#stamps.get(repoPath) ?? 0}`;
  }

  /** Records an update of `repoPath`'s refs (made here or announced by another instance). */
  changed(repoPath: string): void {
    this.#stamps.set(repoPath, ++this.#counter);
  }

  /** Every repository may have changed unseen (announcements were lost): every stamp moves. */
  forgetAll(): void {
    this.#epoch += 1;
  }

  /** Where `announce` publishes; without one, updates stay in this process. */
  publishThrough(publish: RefUpdatePublisher): void {
    this.#publish = publish;
  }

  /**
   * Records an update made by this instance and publishes it; resolves when
   * the publisher is done. Never rejects: the timestamp rule still covers
   * an update whose announcement was lost.
   */
  async announce(repoPath: string): Promise<void> {
    this.changed(repoPath);
    await this.#publish?.(repoPath).catch(() => undefined);
  }
}
