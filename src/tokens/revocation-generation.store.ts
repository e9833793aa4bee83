/**
 * A counter in the database that every change to what a cached token record
 * says (revocation, rotation, an owner blocked or changed) advances after
 * the change itself committed. Cached records carry the value they were read
 * under, and an instance trusts them only while it knows the current value:
 * so a record that outlived its invalidation — Redis unreachable during a
 * revoke, restarted from an old snapshot, a CLI that could not reach it —
 * is recognised as stale. Implementation: SQL (`revocation_generation`).
 */
export interface RevocationGenerationStore {
  /** The current value. */
  current(): Promise<number>;
  /** Advances the value by one, atomically; resolves to the new value. */
  advance(): Promise<number>;
}
