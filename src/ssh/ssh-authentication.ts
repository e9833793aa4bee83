/**
 * Answers ssh2's authentication requests for one connection: publickey
 * (registered keys, signature verified here with ssh2's key parser),
 * password and keyboard-interactive (a personal access token or the account
 * password), nothing else. The shared SSH user (`git`) is offered publickey
 * only, so clients do not prompt for a password it would refuse. Like
 * OpenSSH's MaxAuthTries, a connection that fails too often is dropped.
 *
 * A 2FA user who typed the right account password is told to use a personal
 * access token, as Git over HTTP tells them: SSH has no failure message, but
 * keyboard-interactive has an `instruction` text that OpenSSH prints to
 * stderr, so a last, prompt-less round carries it. The password method has
 * no such field; there the notice waits for a keyboard-interactive attempt
 * on the same connection. Only a correct password reaches that refusal, so
 * nobody learns from it whether an account has 2FA.
 */
import type { Logger } from 'pino';
import ssh2, { type AuthContext, type AuthenticationType, type KeyboardAuthContext, type PublicKeyAuthContext } from 'ssh2';
import type { SshAuthService, SshPrincipal } from '../auth/ssh-auth.service.js';
import { BannedError, UnauthorizedError } from '../lib/errors.js';
import { sshRefusal } from './ssh-errors.js';
import { logFailure } from '../lib/log-failure.js';

const METHODS: AuthenticationType[] = ['publickey', 'password', 'keyboard-interactive'];
const KEYS_ONLY: AuthenticationType[] = ['publickey'];
/** OpenSSH's MaxAuthTries default. */
const MAX_ATTEMPTS = 6;
const PROMPT = 'Password or personal access token: ';

/** Outcomes the connection acts on. */
export interface SshAuthOutcome {
  /** The client authenticated as `principal`. */
  succeeded(principal: SshPrincipal): void;
  /** Too many failures, or a banned address: drop the connection. */
  drop(reason: string): void;
}

/** Creates the `authentication` listener of one connection from `ip`. */
export function authenticationHandler(
  auth: SshAuthService,
  ip: string,
  logger: Logger,
  outcome: SshAuthOutcome,
): (ctx: AuthContext) => void {
  let failures = 0;
  const methodsFor = (username: string): AuthenticationType[] => (auth.isSharedUser(username) ? KEYS_ONLY : METHODS);
  const fail = (ctx: AuthContext, err?: unknown): void => {
    ctx.reject(methodsFor(ctx.username));
    if (err instanceof BannedError) return outcome.drop('banned');
    if (err !== undefined && !(err instanceof UnauthorizedError)) logFailure(logger, err, { ip }, 'ssh authentication failed');
    if (++failures >= MAX_ATTEMPTS) outcome.drop('too many authentication failures');
  };
  /** What a 2FA user who gave the right password (or a token from a refused address) should read, not shown yet. */
  let pendingNotice = '';
  /** `beforeFailing` may tell the client something, then calls `then` to refuse. */
  const signIn = (ctx: AuthContext, attempt: Promise<SshPrincipal>, beforeFailing?: (err: unknown, then: () => void) => void): void => {
    attempt.then(
      (principal) => {
        // ssh2 emits 'ready' inside accept(), so the principal must be known first.
        outcome.succeeded(principal);
        ctx.accept();
      },
      (err: unknown) => (beforeFailing ? beforeFailing(err, () => fail(ctx, err)) : fail(ctx, err)),
    );
  };

  return (ctx) => {
    // The shared user takes keys only: a secret typed for it is refused unread.
    if (ctx.method !== 'publickey' && ctx.method !== 'none' && auth.isSharedUser(ctx.username)) return fail(ctx);
    switch (ctx.method) {
      case 'password':
        return signIn(ctx, auth.password(ctx.username, ctx.password, ip), (err, then) => {
          pendingNotice = refusalNotice(err) || pendingNotice;
          then();
        });
      case 'keyboard-interactive': {
        const instructions = pendingNotice;
        pendingNotice = '';
        return askSecret(ctx, instructions, (secret) => {
          if (secret === null) return fail(ctx);
          signIn(ctx, auth.password(ctx.username, secret, ip), (err, then) => {
            const notice = refusalNotice(err);
            // A round without prompts: the client shows the instruction and answers at once.
            if (notice) ctx.prompt([], '', notice, () => then());
            else then();
          });
        });
      }
      case 'publickey':
        return publicKey(ctx);
      case 'none':
        // Every client starts by asking which methods exist; not a failure.
        return ctx.reject(methodsFor(ctx.username));
      default:
        return fail(ctx);
    }
  };

  function publicKey(ctx: PublicKeyAuthContext): void {
    // SHA-1 RSA signatures are refused, as OpenSSH 8.8 does; clients then use
    // rsa-sha2-* (which ssh2 reports as `ssh-rsa` with a hash algorithm).
    if (ctx.key.algo === 'ssh-rsa' && !ctx.hashAlgo) return fail(ctx);
    const { signature, blob } = ctx;
    if (!signature || !blob) {
      // The client asks whether this key would do before it signs with it.
      auth.acceptsKey(ctx.username, ctx.key.data, ip).then(
        (ok) => (ok ? ctx.accept() : fail(ctx)),
        (err: unknown) => fail(ctx, err),
      );
      return;
    }
    const verify = (publicKeyText: string): boolean => {
      const key = ssh2.utils.parseKey(publicKeyText);
      return !(key instanceof Error) && key.verify(blob, signature, ctx.hashAlgo) === true;
    };
    signIn(ctx, auth.publicKey(ctx.username, ctx.key.data, ip, verify));
  }
}

/**
 * The notice for a 2FA user's correct password, or for a valid restricted
 * token used from an address it does not allow; '' for any other failure.
 */
function refusalNotice(err: unknown): string {
  const told = err instanceof UnauthorizedError && (err.reason === 'two_factor_required' || err.reason === 'address');
  return told ? sshRefusal(err).message : '';
}

/** One hidden prompt (after `instructions`, when any); `null` when the client aborted or answered oddly. */
function askSecret(ctx: KeyboardAuthContext, instructions: string, then: (secret: string | null) => void): void {
  ctx.prompt([{ prompt: PROMPT, echo: false }], 'gitgate', instructions, (answers: unknown) => {
    then(Array.isArray(answers) && answers.length === 1 && typeof answers[0] === 'string' ? answers[0] : null);
  });
}
