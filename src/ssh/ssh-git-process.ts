/**
 * Runs one authorized git command on an SSH exec channel: the channel's
 * data → git's stdin, git's stdout and stderr → the channel, then git's exit
 * status. Full duplex (no --stateless-rpc), with backpressure both ways, and
 * git's whole process group killed when the channel goes away. It never
 * authorizes: the command dispatch (runSshCommand) does, and the runner takes
 * the resulting GitGrant, the only source of the repository it runs git in.
 */
import { constants } from 'node:os';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Logger } from 'pino';
import type { ServerChannel } from 'ssh2';
import type { GitGrant } from '../auth/git-authorization.js';
import type { GitCommandService } from '../identity/git-service.js';
import { forgivingSink } from '../git/forgiving-sink.js';
import { MalformedPktLineError, PktLineReader } from '../git/pkt-line-reader.js';
import { spawnGit, type ExitStatus, type GitChild, type GitChildOptions } from '../git/git-child.js';
import type { GitOperations } from '../git/git-operations.js';
import type { GitOutcome } from '../git/operation-outcomes.js';
import type { RepositoryPushes } from '../git/repository-pushes.js';
import { sidebandNotice } from '../git/sideband-notice.js';
import { OverloadedError, TooManyRequestsError, UnavailableError } from '../lib/errors.js';
import { channelSink } from './channel-sink.js';
import { refusalLine, sshRefusal, type SshRefusal } from './ssh-errors.js';

/** How git runs behind the SSH surface. */
export interface SshGitOptions extends GitChildOptions {
  /** Time between SIGTERM and SIGKILL. */
  killGraceMs: number;
}

export interface SshGitContext {
  options: SshGitOptions;
  /** Where the operation is registered, so shutdown waits for it. */
  operations: GitOperations;
  logger: Logger;
  /** The client's address, counted against the per-address limit of `operations`. */
  client: string;
  /** Called for every chunk either way (the connection's idle timer). */
  onActivity(): void;
  /** Called once GitOperations admitted the command (a graceful stop waits for this, see CommandAdmission). */
  onAdmitted?(): void;
  /** Where pushes are registered while they run (housekeeping waits for them, and counts the successful ones). */
  pushes?: RepositoryPushes;
}

/** One git invocation, decided after authorization; the repository is the grant's. */
export interface SshGitRun {
  /** The service `grant` was given for. */
  service: GitCommandService;
  /** Validated GIT_PROTOCOL value, or null. */
  gitProtocol: string | null;
}

type Stop = 'client-gone' | 'shutdown';

/**
 * Serves `run` on `channel` in the repository of `grant`; resolves once git
 * has exited: `ok` when it succeeded on its own, `refused` when
 * GitOperations would not take it, else `error`. Never rejects.
 */
export async function runGitOverSsh(channel: ServerChannel, grant: GitGrant, run: SshGitRun, ctx: SshGitContext): Promise<GitOutcome> {
  if (!channel.writable) {
    ctx.logger.info({ gitService: run.service }, 'ssh client went away before git started');
    return 'error';
  }
  const shutdown = new AbortController();
  const end = beginOperation(channel, run, ctx, shutdown);
  if (!end) return 'refused';
  const pushEnded = run.service === 'git-receive-pack' ? ctx.pushes?.begin({ repoPath: grant.repoPath, projectId: grant.projectId }) : undefined;
  let outcome: GitOutcome = 'error';
  try {
    outcome = await relayGit(channel, grant, run, ctx, shutdown.signal);
    return outcome;
  } finally {
    end();
    pushEnded?.(outcome === 'ok');
  }
}

/**
 * Registers `run` in `ctx.operations` (shutdown aborts `shutdown`); returns
 * its end, or null when GitOperations refused it and the refusal was sent.
 */
export function beginOperation(channel: ServerChannel, run: SshGitRun, ctx: SshGitContext, shutdown: AbortController): (() => void) | null {
  try {
    const end = ctx.operations.begin(ctx.client, () => shutdown.abort());
    ctx.onAdmitted?.();
    return end;
  } catch (err) {
    if (err instanceof TooManyRequestsError || err instanceof OverloadedError) {
      ctx.logger.warn({ ip: ctx.client, gitService: run.service }, 'git operation refused: concurrency limit reached');
    }
    finish(channel, sshRefusal(err));
    return null;
  }
}

/** Where a live upload-pack takes over a conversation that began with a kept advertisement. */
export interface GitHandoff {
  /** The client's bytes read since the advertisement and not answered: git reads them first. */
  input: Buffer;
}

/**
 * The body of runGitOverSsh, for a caller that registered the operation
 * itself: runs git for `run` on `channel` until it exits, stopping it when
 * `shutdown` fires. With `handoff`, git's own advertisement (everything up
 * to its first flush-pkt) is dropped, since the client already has one, and
 * `handoff.input` is given to git before the rest of the channel's data.
 */
export async function relayGit(
  channel: ServerChannel,
  grant: GitGrant,
  run: SshGitRun,
  ctx: SshGitContext,
  shutdown: AbortSignal,
  handoff?: GitHandoff,
): Promise<GitOutcome> {
  const { repoPath } = grant;
  let stopped: Stop | null = null;
  let child: GitChild | null = null;
  let killTimer: NodeJS.Timeout | null = null;
  const abandon = new AbortController();
  const stop = (reason: Stop): void => {
    if (stopped || !child) return;
    stopped = reason;
    // At shutdown a client that no longer reads must not hold the drain up.
    if (reason === 'shutdown') setTimeout(() => abandon.abort(), ctx.options.killGraceMs).unref();
    const target = child;
    const term = (): void => {
      target.signal('SIGTERM');
      killTimer = setTimeout(() => target.signal('SIGKILL'), ctx.options.killGraceMs).unref();
    };
    if (run.service === 'git-receive-pack') {
      // A truncated pack is abandoned cleanly by git itself (refs untouched);
      // the signals only back that up.
      target.stdin?.end();
      killTimer = setTimeout(term, ctx.options.killGraceMs).unref();
    } else {
      term();
    }
  };

  if (!channel.writable) {
    ctx.logger.info({ gitService: run.service }, 'ssh client went away before git started');
    return 'error';
  }
  try {
    child = spawnGit(ctx.options, {
      args: [run.service.slice('git-'.length), repoPath],
      cwd: repoPath,
      gitProtocol: run.gitProtocol,
      withStdin: true,
      push: grant.push,
    });
  } catch (err) {
    ctx.logger.error({ err, gitService: run.service, repoPath }, 'git could not be started');
    finish(channel, sshRefusal(err));
    return 'error';
  }
  const git = child;
  void git.exited.then(() => killTimer && clearTimeout(killTimer));
  const onShutdown = (): void => stop('shutdown');
  if (shutdown.aborted) onShutdown();
  shutdown.addEventListener('abort', onShutdown, { once: true });
  channel.once('close', () => stop('client-gone'));

  const ignore = (): void => undefined;
  const stdin = forgivingSink(git.stdin!);
  if (handoff && channel.readableEnded) {
    stdin.end(handoff.input);
  } else {
    if (handoff) stdin.write(handoff.input);
    // Resolves when the client ends its input, or the channel closes.
    void pipeline(channel, stdin).catch(ignore);
  }
  channel.on('data', ctx.onActivity);
  const errors = pipeline(git.stderrStream, channelSink(channel, channel.stderr, abandon.signal)).catch(ignore);
  const stdout = handoff ? await afterAdvertisement(git.stdout) : git.stdout;
  stdout.on('data', ctx.onActivity);
  const notice = grant.notice ? [sidebandNotice(grant.notice)] : [];
  const output = Promise.all([pipeline([stdout, ...notice, channelSink(channel, channel, abandon.signal)]).catch(ignore), errors]);
  const [status] = await Promise.all([git.exited, output]);
  shutdown.removeEventListener('abort', onShutdown);
  const why = status.error ? status.error : stopped === 'shutdown' ? new UnavailableError('shutting down') : null;
  if (why && channel.stderr.writable) channel.stderr.write(refusalLine(sshRefusal(why)));
  finishWith(channel, exitCode(status));
  report(ctx.logger, run, repoPath, git, status, stopped);
  return !status.error && !stopped && status.code === 0 ? 'ok' : 'error';
}

/** `first`, then whatever `rest` still yields (nothing when it ended already). */
async function* prefixed(first: Buffer, rest: Readable): AsyncGenerator<Buffer> {
  if (first.length > 0) yield first;
  if (rest.readableEnded || rest.destroyed) return;
  for await (const chunk of rest) yield chunk as Buffer;
}

/**
 * git's stdout from just after its advertisement (the packets up to the
 * first flush-pkt); when git ends before finishing it, whatever it wrote.
 */
async function afterAdvertisement(stdout: Readable): Promise<Readable> {
  const reader = new PktLineReader(stdout);
  try {
    for (let next = await reader.next(); next && next.packet !== 'flush'; next = await reader.next());
  } catch (err) {
    if (!(err instanceof MalformedPktLineError)) throw err;
  }
  return Readable.from(prefixed(reader.leftover, stdout));
}

/** Writes a refusal line and ends the channel with its exit status. */
export function finish(channel: ServerChannel, refusal: SshRefusal): void {
  // Drain the client's input: ssh2 reports the channel closed only once it ended.
  channel.resume();
  if (channel.stderr.writable) channel.stderr.write(refusalLine(refusal));
  finishWith(channel, refusal.exitStatus);
}

/** Sends the exit status, then EOF and close (the order OpenSSH expects). */
export function finishWith(channel: ServerChannel, status: number): void {
  if (!channel.writable) return;
  channel.exit(status);
  channel.end();
}

/** A shell's convention: 128 + signal number when git was killed. */
function exitCode(status: ExitStatus): number {
  if (status.code !== null) return status.code;
  const signal = status.signal ? constants.signals[status.signal] : undefined;
  return signal ? 128 + signal : 1;
}

function report(logger: Logger, run: SshGitRun, repoPath: string, git: GitChild, status: ExitStatus, stopped: Stop | null): void {
  const fields = {
    gitService: run.service,
    repoPath,
    exitCode: status.code,
    signal: status.signal,
    stderr: git.stderr() || undefined,
  };
  if (status.error) logger.error({ ...fields, err: status.error }, 'git could not be started');
  else if (stopped === 'client-gone') logger.info(fields, 'ssh client went away; git stopped');
  else if (stopped) logger.warn({ ...fields, reason: stopped }, 'git operation stopped');
  else if (status.code !== 0) logger.warn(fields, 'git failed');
  else logger.debug(fields, 'git finished');
}
