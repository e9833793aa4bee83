/**
 * Sends an upload-pack answer from the FetchResponseCache as the response
 * of one HTTP exchange, with the same rules as a git run of its own: it is
 * an operation that shutdown drains, it has a total and an idle timeout, and
 * a failure after the first byte cuts the connection so git reports an error
 * instead of taking a partial answer.
 */
import { Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Response } from 'express';
import { UnavailableError } from '../lib/errors.js';
import type { EntryReader } from './fetch-cache/entry-reader.js';
import { forgivingSink } from './forgiving-sink.js';
import { answer, gitErrorAnswer, INTERNAL_ERROR, NO_CACHE_HEADERS, sendGitText, type GitTextAnswer } from './git-errors.js';
import type { GitProcessContext } from './git-process.js';

/**
 * Streams `answer` as a 200 `contentType` response, with a Content-Length
 * when the answer was whole already (chunked while git still writes it).
 * Resolves when the exchange is over; never rejects. `answer` is always
 * consumed or destroyed.
 */
export async function serveCachedFetch(res: Response, answerStream: EntryReader, contentType: string, ctx: GitProcessContext): Promise<void> {
  let failure: GitTextAnswer | null = null;
  const stop = (why: GitTextAnswer): void => {
    failure ??= why;
    answerStream.destroy(new Error('stopped'));
  };
  let end: () => void;
  try {
    end = ctx.operations.begin(() => stop(gitErrorAnswer(new UnavailableError('shutting down'))));
  } catch (err) {
    answerStream.destroy();
    sendGitText(res, gitErrorAnswer(err));
    return;
  }
  const timeout = gitErrorAnswer(new UnavailableError('git timed out'));
  const idle = setTimeout(() => stop(timeout), ctx.options.idleTimeoutMs);
  const total = setTimeout(() => stop(timeout), ctx.options.timeoutMs);
  let started = false;
  const head = (): void => {
    started = true;
    const length = answerStream.length === null ? {} : { 'Content-Length': String(answerStream.length) };
    res.writeHead(200, { ...NO_CACHE_HEADERS, 'Content-Type': contentType, ...length });
  };
  const out = new Transform({
    transform(chunk: Buffer, _enc, done: TransformCallback) {
      idle.refresh();
      if (!started) head();
      done(null, chunk);
    },
    flush(done: TransformCallback) {
      if (!started) head();
      done();
    },
  });
  // The client went away: stop reading (the last reader to go stops git's run).
  res.once('close', () => {
    if (!res.writableFinished) answerStream.destroy();
  });
  try {
    await pipeline(answerStream, out, forgivingSink(res));
  } catch (err) {
    if (res.headersSent) {
      res.destroy();
    } else {
      ctx.logger.warn({ err }, 'cached git answer failed before its first byte');
      sendGitText(res, failure ?? answer(500, INTERNAL_ERROR));
    }
  } finally {
    clearTimeout(idle);
    clearTimeout(total);
    end();
  }
}
