/**
 * Runs one `git upload-pack|receive-pack --stateless-rpc` for one HTTP
 * exchange: request body → git's stdin, git's stdout → response, with
 * backpressure both ways, timeouts, and the child killed when the exchange
 * ends early.
 */
import { Readable, Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import type { Request, Response } from 'express';
import type { Logger } from 'pino';
import { UnavailableError } from '../lib/errors.js';
import type { GitService } from '../identity/git-service.js';
import type { PushSpec } from '../identity/push-protection.js';
import { coalescingStream } from './coalescing-stream.js';
import { sidebandNotice } from '../git/sideband-notice.js';
import { forgivingSink } from '../git/forgiving-sink.js';
import { refusedByGit, spawnGitChild, succeeded, type ExitStatus, type GitChild, type GitLauncher } from '../git/git-child.js';
import { answer, GIT_REFUSED_REQUEST, gitErrorAnswer, INTERNAL_ERROR, NO_CACHE_HEADERS, sendGitText, type GitTextAnswer } from './git-errors.js';
import type { GitOperations } from '../git/git-operations.js';
import type { PushChecks } from '../git/push-checks.js';
import type { GitOutcome } from '../git/operation-outcomes.js';
import { refuseOperation } from './refuse-operation.js';
import { clientIp } from '../http/client-ip.js';
import type { FileToSocket } from '../http/file-to-socket.js';
import { requestLogger } from '../http/request-state.js';

/** How git processes are run; every field is required here (routes fill defaults). */
export interface GitProcessOptions {
  gitBin: string;
  /** Total time one exchange may take. */
  timeoutMs: number;
  /** Longest time without a byte in either direction. */
  idleTimeoutMs: number;
  /** Time between SIGTERM and SIGKILL. */
  killGraceMs: number;
  /** How much of git's stderr is kept for the log. */
  stderrLimitBytes: number;
  /** PATH and HOME of the git process. */
  envPath: string;
  homeDir: string;
  /** Starts git without forking the gateway (a GitSpawner); absent: spawned directly. */
  launcher?: GitLauncher;
  /** Secret push protection: pushes are scanned through it; absent: not scanned. */
  pushChecks?: PushChecks;
  /** Sends whole kept clone answers with sendfile(2); absent: they are copied through the gateway's buffers. */
  fileToSocket?: FileToSocket;
}

/** One git invocation, decided by a verb handler after authorization. */
export interface GitRun {
  service: GitService;
  repoPath: string;
  advertiseRefs: boolean;
  /** Validated `Git-Protocol` value for `GIT_PROTOCOL`, or null. */
  gitProtocol: string | null;
  /** Content-Type of a successful response. */
  contentType: string;
  /** Bytes sent before git's output (the `# service=` preamble), or null. */
  preamble: Buffer | null;
  /**
   * Whether the request body feeds git's stdin, whether to gunzip it, and
   * the whole body when the handler has read it already.
   */
  body: { gzip: boolean; buffered?: Buffer } | null;
  /** For a push: what gitgate's hooks enforce (GitGrant.push). */
  push?: PushSpec | null;
  /** A line added to git's progress output for this client (GitGrant.notice), or null. */
  notice?: string | null;
}

export interface GitProcessContext {
  options: GitProcessOptions;
  operations: GitOperations;
  logger: Logger;
}

type Failure = 'client-gone' | 'timeout' | 'idle-timeout' | 'shutdown' | 'bad-body';

/**
 * Serves `run` on `res`. Resolves when git has exited and the exchange is
 * over, to `ok` when git succeeded and nothing cut the exchange short,
 * `refused` when GitOperations would not take it, else `error`; never rejects, never
 * throws: failures are answered (text/plain: 400 when git refused a request
 * body before its first byte, 500 when git failed otherwise before it;
 * 408/503 on timeouts) and logged.
 */
export function runGitService(req: Request, res: Response, run: GitRun, ctx: GitProcessContext): Promise<GitOutcome> {
  return new GitExchange(req, res, run, ctx).serve();
}

class GitExchange {
  #child: GitChild | null = null;
  #failure: Failure | null = null;
  #bodyDone = false;
  #timers: NodeJS.Timeout[] = [];
  #killTimer: NodeJS.Timeout | null = null;
  #idle: NodeJS.Timeout | null = null;
  readonly #log: Logger;

  constructor(
    private readonly req: Request,
    private readonly res: Response,
    private readonly run: GitRun,
    private readonly ctx: GitProcessContext,
  ) {
    this.#log = requestLogger(res, ctx.logger);
  }

  async serve(): Promise<GitOutcome> {
    const { req, res, run, ctx } = this;
    if (res.destroyed || req.socket.destroyed) {
      this.#log.info({ gitService: run.service }, 'git client went away before git started');
      return 'error';
    }
    let end: () => void;
    try {
      end = ctx.operations.begin(clientIp(req), () => this.#fail('shutdown'));
    } catch (err) {
      refuseOperation(req, res, err, this.#log);
      return 'refused';
    }
    try {
      let child: GitChild;
      try {
        child = spawnGitChild(ctx.options, {
          service: run.service,
          repoPath: run.repoPath,
          advertiseRefs: run.advertiseRefs,
          gitProtocol: run.gitProtocol,
          withStdin: run.body !== null,
          push: run.push ?? null,
        });
        this.#child = child;
      } catch (err) {
        this.#log.error({ err, gitService: run.service, repoPath: run.repoPath }, 'git could not be started');
        sendGitText(res, answer(500, INTERNAL_ERROR));
        return 'error';
      }
      const exited = child.exited;
      // Once git's pipes are closed its group is gone: a late SIGKILL could hit a reused pid.
      void exited.then(() => this.#killTimer && clearTimeout(this.#killTimer));
      this.#armTimers();
      res.once('close', () => {
        if (!res.writableFinished) this.#fail('client-gone');
      });
      if (res.destroyed) this.#fail('client-gone');
      const input = run.body ? this.#feedStdin(child, run.body) : Promise.resolve();
      const output = this.#streamStdout(child, exited).then(() => {
        // Answered early (timeout, shutdown): stop waiting for a body that may never come.
        if (this.#failure && run.body && !this.#bodyDone) req.destroy();
      });
      const [status] = await Promise.all([exited, output, input]);
      this.#report(status);
      return !status.error && !this.#failure && succeeded(status) ? 'ok' : 'error';
    } finally {
      this.#timers.forEach(clearTimeout);
      end();
    }
  }

  #armTimers(): void {
    const { timeoutMs, idleTimeoutMs } = this.ctx.options;
    this.#idle = setTimeout(() => this.#fail('idle-timeout'), idleTimeoutMs);
    this.#timers.push(setTimeout(() => this.#fail('timeout'), timeoutMs), this.#idle);
  }

  #touch(): void {
    this.#idle?.refresh();
  }

  async #feedStdin(child: GitChild, { gzip, buffered }: { gzip: boolean; buffered?: Buffer }): Promise<void> {
    const counter = byteTap(() => this.#touch());
    try {
      await pipeline([buffered ? Readable.from([buffered]) : this.req, counter, ...(gzip ? [createGunzip()] : []), forgivingSink(child.stdin!)]);
      this.#bodyDone = true;
    } catch (err) {
      if (this.#failure || this.res.writableFinished) return;
      this.#fail(isZlibError(err) ? 'bad-body' : 'client-gone');
    }
  }

  async #streamStdout(child: GitChild, exited: Promise<ExitStatus>): Promise<void> {
    const { res, run } = this;
    let started = false;
    const exchange = this;
    const out = new Transform({
      transform(chunk: Buffer, _enc, done: TransformCallback) {
        exchange.#touch();
        if (exchange.#failure && !started) return done();
        if (!started) {
          started = true;
          res.writeHead(200, { ...NO_CACHE_HEADERS, 'Content-Type': run.contentType });
          if (run.preamble) this.push(run.preamble);
        }
        done(null, chunk);
      },
      flush(done: TransformCallback) {
        if (started) return done();
        // git wrote nothing: success (the 4-byte probe POST) or a failure
        // that is still ours to answer, since no header has left.
        exited.then((status) => {
          if (!exchange.#failure && succeeded(status)) {
            res.writeHead(200, { ...NO_CACHE_HEADERS, 'Content-Type': run.contentType });
            if (run.preamble) this.push(run.preamble);
          } else if (exchange.#failure !== 'client-gone' && !res.headersSent) {
            const a = exchange.#failureAnswer(status);
            res.writeHead(a.status, { ...NO_CACHE_HEADERS, ...a.headers, 'Content-Type': 'text/plain; charset=utf-8' });
            this.push(a.body);
          }
          done();
        }, done);
      },
    });
    try {
      const notice = run.notice ? [sidebandNotice(run.notice)] : [];
      await pipeline([child.stdout, ...notice, coalescingStream(), out, forgivingSink(res)]);
    } catch (err) {
      this.#log.debug({ err, gitService: run.service }, 'git output stream failed');
    }
  }

  #failureAnswer(status: ExitStatus): GitTextAnswer {
    const waitingForClient = this.run.body !== null && !this.#bodyDone;
    switch (this.#failure) {
      case 'timeout':
      case 'idle-timeout':
        return waitingForClient ? answer(408, 'Request Timeout') : gitErrorAnswer(new UnavailableError('git timed out'));
      case 'shutdown':
        return gitErrorAnswer(new UnavailableError('shutting down'));
      case 'bad-body':
        return answer(400, 'Bad Request: the request body could not be decompressed');
      case null:
        // git exited on its own before a byte of a POST's answer: it refused
        // the request (a malformed pkt-line stream, an unknown command). A
        // repository git cannot read fails its info/refs already, with a 500.
        if (this.run.body !== null && refusedByGit(status)) return answer(400, GIT_REFUSED_REQUEST);
        return answer(500, INTERNAL_ERROR);
      default:
        return answer(500, INTERNAL_ERROR);
    }
  }

  /** Ends the exchange early: stop git, and cut a response already under way. */
  #fail(reason: Failure): void {
    if (this.#failure) return;
    this.#failure = reason;
    const child = this.#child;
    if (this.run.service === 'git-receive-pack' && this.run.body && !this.#bodyDone && child?.stdin) {
      // A truncated pack is something git abandons cleanly by itself — refs
      // untouched, quarantine removed — while a signal leaves the quarantine
      // behind. So end its input first; the signals only back that up.
      child.stdin.end();
      this.#kill(this.ctx.options.killGraceMs);
    } else {
      this.#kill(0);
    }
    if (this.res.headersSent) {
      this.res.destroy();
      this.req.destroy();
    }
  }

  /** SIGTERM to git's process group after `delayMs`, SIGKILL one grace period later. */
  #kill(delayMs: number): void {
    const child = this.#child;
    if (!child) return;
    const grace = this.ctx.options.killGraceMs;
    const term = (): void => {
      child.signal('SIGTERM');
      this.#killTimer = setTimeout(() => child.signal('SIGKILL'), grace).unref();
    };
    if (delayMs === 0) term();
    else this.#killTimer = setTimeout(term, delayMs).unref();
  }

  #report(status: ExitStatus): void {
    const fields = {
      gitService: this.run.service,
      repoPath: this.run.repoPath,
      exitCode: status.code,
      signal: status.signal,
      stderr: this.#child?.stderr() || undefined,
    };
    if (status.error) this.#log.error({ ...fields, err: status.error }, 'git could not be started');
    else if (this.#failure === 'client-gone') this.#log.info(fields, 'git client went away; git stopped');
    else if (this.#failure) this.#log.warn({ ...fields, reason: this.#failure }, 'git operation stopped');
    else if (!succeeded(status)) this.#log.warn(fields, 'git failed');
    else this.#log.debug(fields, 'git finished');
  }
}

/** A pass-through that reports every chunk (activity for the idle timeout). */
function byteTap(onChunk: () => void): Transform {
  return new Transform({
    transform(chunk: Buffer, _enc, done: TransformCallback) {
      onChunk();
      done(null, chunk);
    },
  });
}

function isZlibError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('Z_');
}
