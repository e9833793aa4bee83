/**
 * `git-upload-pack` over SSH answered from the caches the HTTP edge uses
 * (GitCaches), with the same keys and rules: it runs only after the command
 * was authorized, and every answer is git's own bytes for this repository's
 * identity, ref state, GIT_PROTOCOL and the exact request.
 *
 * Over SSH upload-pack is one full-duplex conversation, not HTTP's
 * stateless requests: the server speaks first (the advertisement), then the
 * client asks. `git upload-pack --stateless-rpc` writes byte for byte what
 * the conversation's server writes for the parts that map to a kept answer
 * (upload-pack.c and serve.c share the code), so:
 * - the advertisement (v0/v1 refs, v2 capabilities) comes from the
 *   GitAnswerCache — without one, git serves the whole conversation;
 * - protocol v2: each command up to its flush-pkt is one request; `ls-refs`
 *   comes from the GitAnswerCache and a fresh fetch (a clone) from the
 *   FetchResponseCache; a lone flush-pkt or the client's EOF ends the
 *   conversation, as git's serve loop does;
 * - protocol v0/v1: wants up to their flush-pkt, then, when they carry no
 *   shallow or deepen lines (git waits for the server's shallow list after
 *   those), one more packet: `done` makes it a fresh fetch, answered by the
 *   FetchResponseCache (NAK, then the pack); a flush-pkt alone ends it.
 * Anything else (haves, deepening, object-info, a malformed stream, a
 * request too long to hold) goes to a live `git upload-pack` from there on:
 * its own advertisement is dropped and it reads the client's pending bytes
 * first. Should the refs change between the kept advertisement and that
 * run, git checks the client's wants against its new advertisement, like a
 * push landing between HTTP's `info/refs` and its POST.
 */
import type { ServerChannel } from 'ssh2';
import type { GitGrant } from '../auth/git-authorization.js';
import { GitAnswerCache } from '../git/git-answer-cache.js';
import type { GitCaches } from '../git/git-caches.js';
import type { EntryReader } from '../git/fetch-cache/entry-reader.js';
import { relayEntry } from '../git/fetch-cache/entry-relay.js';
import { isFreshFetch } from '../git/fetch-request.js';
import type { GitOutcome } from '../git/operation-outcomes.js';
import { MalformedPktLineError, PktLineReader } from '../git/pkt-line-reader.js';
import { splitPktLines } from '../git/pkt-line.js';
import { UnavailableError } from '../lib/errors.js';
import { beginOperation, finishWith, relayGit, type SshGitContext, type SshGitRun } from './ssh-git-process.js';
import { refusalLine, sshRefusal } from './ssh-errors.js';

/** Longest client request held to be looked up; a longer one goes to git. */
const MAX_REQUEST_BYTES = 1024 * 1024;
/**
 * The relay's chunk over SSH: ssh2 encrypts and frames every 32 KiB packet in
 * JavaScript whatever the chunk, so the larger chunks that save CPU over HTTP
 * only cost memory here (8 concurrent large clones: 42–50 MB with 2 MiB
 * against 17–19 MB with 512 KiB, bench/README.md).
 */
const SSH_CHUNK_BYTES = 512 * 1024;

/** What the client asked next. */
type Step =
  | { kind: 'end' }
  | { kind: 'ls-refs' | 'fetch' | 'live'; request: Buffer };

/**
 * Serves an authorized `git-upload-pack` `run` on `channel` from `caches`
 * where it can, else through a live git; resolves with the outcome (`cached`
 * when no git ran for this conversation). Never rejects.
 */
export async function serveUploadPack(
  channel: ServerChannel,
  grant: GitGrant,
  run: SshGitRun,
  ctx: SshGitContext,
  caches: GitCaches,
): Promise<GitOutcome> {
  if (!channel.writable) return 'error';
  const shutdown = new AbortController();
  const end = beginOperation(channel, run, ctx, shutdown);
  if (!end) return 'refused';
  try {
    return await new Conversation(channel, grant, run, ctx, caches, shutdown.signal).serve();
  } catch (err) {
    if (!shutdown.signal.aborted && channel.writable) ctx.logger.warn({ err, repoPath: grant.repoPath }, 'cached upload-pack failed');
    const why = shutdown.signal.aborted ? new UnavailableError('shutting down') : err;
    if (channel.stderr.writable) channel.stderr.write(refusalLine(sshRefusal(why)));
    finishWith(channel, 1);
    return 'error';
  } finally {
    end();
  }
}

class Conversation {
  readonly #reader: PktLineReader;
  readonly #v2: boolean;
  #ranGit = false;
  #advertised = false;

  constructor(
    private readonly channel: ServerChannel,
    private readonly grant: GitGrant,
    private readonly run: SshGitRun,
    private readonly ctx: SshGitContext,
    private readonly caches: GitCaches,
    private readonly shutdown: AbortSignal,
  ) {
    this.#reader = new PktLineReader(channel, shutdown);
    this.#v2 = run.gitProtocol !== null && run.gitProtocol.split(':').includes('version=2');
  }

  async serve(): Promise<GitOutcome> {
    const { answers, fetches } = this.caches;
    const advertisement = await answers.lookup(this.grant.repoPath, { kind: 'advertisement', gitProtocol: this.run.gitProtocol });
    if (!advertisement) return this.#live(Buffer.alloc(0));
    this.#ranGit = advertisement.ranGit;
    this.#advertised = true;
    await this.#send(advertisement.bytes);
    for (;;) {
      const step = this.#v2 ? await this.#command() : await this.#wants();
      if (step.kind === 'end') return this.#end();
      if (step.kind === 'live') return this.#live(step.request);
      if (step.kind === 'ls-refs') {
        const listed = await answers.lookup(this.grant.repoPath, { kind: 'ls-refs', gitProtocol: this.run.gitProtocol!, request: step.request });
        if (!listed) return this.#live(step.request);
        this.#ranGit ||= listed.ranGit;
        await this.#send(listed.bytes);
        continue;
      }
      const entry = fetches?.open(this.grant.repoPath, this.run.gitProtocol, step.request, this.ctx.logger) ?? null;
      if (!entry) return this.#live(step.request);
      this.#ranGit ||= entry.ranGit;
      await this.#relay(entry);
      // A v0 conversation ends with its pack; v2 reads the next command.
      if (!this.#v2) return this.#end();
    }
  }

  /** A v2 command, up to its flush-pkt. */
  async #command(): Promise<Step> {
    const read = await this.#section(true);
    if (read.kind !== 'fetch') return read;
    if (GitAnswerCache.isLsRefs(read.request)) return { kind: 'ls-refs', request: read.request };
    return this.caches.fetches && isFreshFetch(read.request, true) ? read : { kind: 'live', request: read.request };
  }

  /** v0/v1: the wants, and `done` when nothing says git must answer first. */
  async #wants(): Promise<Step> {
    const read = await this.#section(true);
    if (read.kind !== 'fetch') return read;
    if (!this.caches.fetches || answersBeforeDone(read.request)) return { kind: 'live', request: read.request };
    const more = await this.#section(false, read.request);
    if (more.kind !== 'fetch') return more;
    return isFreshFetch(more.request, false) ? more : { kind: 'live', request: more.request };
  }

  /**
   * Reads after `before`: packets up to a flush-pkt (`whole`), or just one.
   * A flush-pkt or the end of input first: `end`; a request that cannot be
   * held or read: `live` with the bytes read; else the bytes as `fetch`.
   */
  async #section(whole: boolean, before: Buffer = Buffer.alloc(0)): Promise<Step> {
    const raw: Buffer[] = [before];
    let size = before.length;
    const all = (): Buffer => Buffer.concat(raw);
    for (;;) {
      let next;
      try {
        next = await this.#reader.next();
      } catch (err) {
        if (err instanceof MalformedPktLineError) return { kind: 'live', request: all() };
        throw err;
      }
      if (this.shutdown.aborted) throw new UnavailableError('shutting down');
      this.ctx.onActivity();
      if (!next) return size === 0 ? { kind: 'end' } : { kind: 'live', request: all() };
      if (size === 0 && next.packet === 'flush') return { kind: 'end' };
      raw.push(next.raw);
      size += next.raw.length;
      if (size > MAX_REQUEST_BYTES) return { kind: 'live', request: all() };
      if (!whole || next.packet === 'flush') return { kind: 'fetch', request: Buffer.concat(raw) };
    }
  }

  /**
   * A live git takes the rest of the conversation. Once the client has an
   * advertisement, git's own is dropped and git reads `pending` (and what
   * was read past it) first.
   */
  #live(pending: Buffer): Promise<GitOutcome> {
    const handoff = this.#advertised ? { input: Buffer.concat([pending, this.#reader.leftover]) } : undefined;
    return relayGit(this.channel, this.grant, this.run, this.ctx, this.shutdown, handoff);
  }

  #end(): GitOutcome {
    finishWith(this.channel, 0);
    return this.#ranGit ? 'ok' : 'cached';
  }

  /** Writes `bytes`; resolves once ssh2 took them (channel window), rejects when the conversation stopped first. */
  #send(bytes: Buffer): Promise<void> {
    this.ctx.onActivity();
    return new Promise((resolve, reject) => {
      if (this.shutdown.aborted) return reject(new UnavailableError('shutting down'));
      if (!this.channel.writable) return reject(new Error('ssh channel closed'));
      const stopped = (): void => reject(new Error('conversation stopped'));
      this.shutdown.addEventListener('abort', stopped, { once: true });
      this.channel.once('close', stopped);
      this.channel.write(bytes, () => {
        this.shutdown.removeEventListener('abort', stopped);
        this.channel.off('close', stopped);
        resolve();
      });
    });
  }

  /** Sends a kept (or growing) answer to the channel (relayEntry); a failed git run rejects. */
  async #relay(entry: EntryReader): Promise<void> {
    const onStop = (): void => entry.close();
    this.shutdown.addEventListener('abort', onStop, { once: true });
    this.channel.once('close', onStop);
    try {
      await relayEntry(entry, {
        notice: this.grant.notice,
        chunkBytes: SSH_CHUNK_BYTES,
        send: (pieces) => this.#send(pieces.length === 1 ? pieces[0]! : Buffer.concat(pieces)),
      });
    } finally {
      this.shutdown.removeEventListener('abort', onStop);
      this.channel.off('close', onStop);
      entry.close();
    }
  }
}

/**
 * True when v0 wants carry shallow or deepen lines: git then sends its
 * shallow list right after their flush-pkt, before the client says `done`.
 */
function answersBeforeDone(wants: Buffer): boolean {
  const packets = splitPktLines(wants);
  if (!packets) return true;
  return packets.some((p) => typeof p !== 'string' && /^(shallow |deepen)/.test(p.toString('latin1')));
}
