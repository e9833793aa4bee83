/**
 * The secret push protection contract: what the git backend asks about the
 * token-like strings it found in a push, and what it reports back. Declared
 * here, in the vocabulary every layer may use, so the git backend (which
 * knows no service) and the token service (which fulfils it) meet without
 * knowing each other.
 */
import type { Identity } from './principal.js';
import type { PushRules } from './token-restrictions.js';

/** The push being checked: who pushes where. */
export interface PushContext {
  /** The pusher; null only for a push no principal made (never over the git surfaces). */
  pusher: Identity | null;
  projectId: number;
  /** `namespace/project`. */
  projectPath: string;
}

/** What gitgate's hooks enforce on one push: the token's push rules (or none) and, with push protection on, the scan. */
export interface PushSpec {
  rules: PushRules | null;
  context: PushContext;
}

/** A live token found in a push, where it was found; never the token's digest or owner. */
export interface LeakedToken {
  /** The token as found (it stays in the gateway's memory; nothing records it). */
  token: string;
  commit: string;
  path: string;
  line: number;
}

/**
 * Decides which strings of a push are live tokens of this instance and acts
 * on the ones that are. Implemented by the token service side
 * (src/tokens/token-leak-guard.ts).
 */
export interface PushSecretGuard {
  /**
   * Which of `candidates` (strings shaped like tokens of this instance) are
   * live tokens: well-formed (prefix and checksum, decided without a lookup),
   * known, neither revoked nor expired. Returns them as given.
   */
  live(candidates: readonly string[]): Promise<string[]>;
  /** Revokes each leaked token, tells its owner where it was found, and records the leak in the audit log. */
  leaked(push: PushContext, leaks: readonly LeakedToken[]): Promise<void>;
  /** Records that the pusher skipped the scan (`-o secret_push_protection.skip_all`). */
  skipped(push: PushContext): Promise<void>;
}
