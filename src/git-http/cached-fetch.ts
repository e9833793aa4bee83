/**
 * Sends an upload-pack answer from the FetchResponseCache as the response
 * of one HTTP exchange, with the same rules as a git run of its own: it is
 * an operation that shutdown drains, it has a total and an idle timeout, and
 * a failure after the first byte cuts the connection so git reports an error
 * instead of taking a partial answer.
 */
import type { OutgoingHttpHeaders } from 'node:http';
import type { Socket } from 'node:net';
import { finished } from 'node:stream/promises';
import type { Request, Response } from 'express';
import { clientIp } from '../http/client-ip.js';
import { requestLogger, requestState } from '../http/request-state.js';
import { UnavailableError } from '../lib/errors.js';
import { GitRunFailedError, type EntryReader } from '../git/fetch-cache/entry-reader.js';
import { refusedByGit } from '../git/git-child.js';
import { answer, GIT_REFUSED_REQUEST, gitErrorAnswer, INTERNAL_ERROR, NO_CACHE_HEADERS, sendGitText, type GitTextAnswer } from './git-errors.js';
import type { GitProcessContext } from './http-exchange.js';
import { refuseOperation } from './refuse-operation.js';
import { CHUNK_BYTES, relayEntry } from '../git/fetch-cache/entry-relay.js';
import { SendfileError, socketDescriptor, type FileToSocket } from '../http/file-to-socket.js';
import type { GitOutcome } from '../git/operation-outcomes.js';

/** How a cached answer is sent to one client. */
export interface CachedFetchAnswer {
  contentType: string;
  /** A line added to git's progress output for this client only (GitGrant.notice), or null. */
  notice: string | null;
}

/**
 * Streams `reader`'s answer to `req` as a 200 `contentType` response, with a
 * Content-Length when the answer was whole already and no notice is added
 * (chunked otherwise); such an answer goes out with sendfile(2) when
 * `ctx.options.fileToSocket` is there and the connection is a plain one.
 * Resolves when the exchange is over — when the whole answer was
 * sent `ok` if its git run was started for this request, else `cached`;
 * `refused` when GitOperations would not take it; else `error` — and never
 * rejects. `reader` is always closed.
 */
export async function serveCachedFetch(
  req: Request,
  res: Response,
  reader: EntryReader,
  { contentType, notice }: CachedFetchAnswer,
  ctx: GitProcessContext,
): Promise<GitOutcome> {
  let failure: GitTextAnswer | null = null;
  const stopping = new AbortController();
  const stop = (why: GitTextAnswer | null): void => {
    failure ??= why;
    stopping.abort();
    reader.close();
  };
  let end: () => void;
  try {
    end = ctx.operations.begin(clientIp(req), () => stop(gitErrorAnswer(new UnavailableError('shutting down'))));
  } catch (err) {
    reader.close();
    refuseOperation(req, res, err, ctx.logger);
    return 'refused';
  }
  const timeout = gitErrorAnswer(new UnavailableError('git timed out'));
  const idle = setTimeout(() => stop(timeout), ctx.options.idleTimeoutMs);
  const total = setTimeout(() => stop(timeout), ctx.options.timeoutMs);
  // The client went away: stop reading (the last reader to go stops git's run).
  const gone = (): void => stop(null);
  res.once('close', gone);
  const headers = { ...NO_CACHE_HEADERS, 'Content-Type': contentType };
  const fileToSocket = ctx.options.fileToSocket;
  try {
    if (fileToSocket && reader.length !== null && !notice && res.socket && socketDescriptor(res.socket) !== null) {
      await sendWhole(res, res.socket, reader, reader.length, { fileToSocket, headers, idle, signal: stopping.signal });
    } else {
      await relayEntry(reader, {
        notice,
        send: (pieces) => sent(res, pieces, stopping.signal),
        beforeSend: () => {
          idle.refresh();
          if (res.headersSent) return;
          const length = reader.length === null || notice ? {} : { 'Content-Length': String(reader.length) };
          res.writeHead(200, { ...headers, ...length });
        },
      });
    }
    res.end();
    const whole = await finished(res).then(
      () => true,
      () => false,
    );
    if (!whole) return 'error';
    return reader.ranGit ? 'ok' : 'cached';
  } catch (err) {
    if (res.headersSent) {
      res.destroy();
    } else {
      if (!stopping.signal.aborted) requestLogger(res, ctx.logger).warn({ err }, 'cached git answer failed before its first byte');
      sendGitText(res, failure ?? (refusedRequest(err) ? answer(400, GIT_REFUSED_REQUEST) : answer(500, INTERNAL_ERROR)));
    }
    return 'error';
  } finally {
    res.off('close', gone);
    clearTimeout(idle);
    clearTimeout(total);
    reader.close();
    end();
  }
}

/** True when the run failed because git, by itself, refused the request (as runGitService answers it: 400). */
function refusedRequest(err: unknown): boolean {
  return err instanceof GitRunFailedError && err.failure === 'git-failed' && err.exit !== null && refusedByGit(err.exit);
}

/**
 * Sends a whole kept answer with sendfile(2): the headers (with its
 * Content-Length) through Node, then, once they are out of Node's queue,
 * the file's bytes straight from the page cache into the socket, at most
 * the relay's CHUNK_BYTES per call, so the idle timeout means the same on
 * both ways of sending. Rejects when the exchange stopped or the peer went
 * away.
 */
async function sendWhole(
  res: Response,
  socket: Socket,
  reader: EntryReader,
  length: number,
  { fileToSocket, headers, idle, signal }: { fileToSocket: FileToSocket; headers: OutgoingHttpHeaders; idle: NodeJS.Timeout; signal: AbortSignal },
): Promise<void> {
  res.writeHead(200, { ...headers, 'Content-Length': String(length) });
  res.flushHeaders();
  // Writes complete in order: an empty one's callback means the headers reached the kernel, ahead of the file.
  await new Promise<void>((resolve, reject) => socket.write('', (err) => (err ? reject(err) : resolve())));
  const state = requestState(res);
  const counted = (bytes: number): void => {
    state.bytesSentfile = (state.bytesSentfile ?? 0) + bytes;
  };
  const send = async (fd: number, position: number, count: number): Promise<void> => {
    try {
      await fileToSocket.send(socket, fd, position, count, signal);
      counted(count);
    } catch (err) {
      if (err instanceof SendfileError) counted(err.sent);
      throw err;
    }
  };
  for (;;) {
    idle.refresh();
    if ((await reader.sendRange(CHUNK_BYTES, send)) === 0) return;
  }
}

/** Writes `pieces`; resolves once the socket is done with their memory, rejects when the exchange stopped first. */
function sent(res: Response, pieces: Buffer[], signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(new Error('stopped'));
    if (pieces.length === 0) return resolve();
    const stopped = (): void => reject(new Error('stopped'));
    signal.addEventListener('abort', stopped, { once: true });
    // Writes complete in order: the last one's callback means all are done.
    pieces.forEach((piece, i) =>
      res.write(piece, (err) => {
        if (err) {
          signal.removeEventListener('abort', stopped);
          reject(err);
        } else if (i === pieces.length - 1) {
          signal.removeEventListener('abort', stopped);
          resolve();
        }
      }),
    );
  });
}
