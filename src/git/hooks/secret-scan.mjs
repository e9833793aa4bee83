/**
 * Finds token-shaped strings in the blobs a push brings, and where they are
 * in the pushed history. Runs inside gitgate's pre-receive hook, where git
 * keeps the pushed objects in a quarantine directory (GIT_OBJECT_DIRECTORY,
 * with the repository's own objects as alternates): listing that directory
 * alone gives exactly the objects new to the repository.
 */
import { spawn } from 'node:child_process';

/** Blobs larger than this are not scanned (as GitLab's secret push protection). */
export const MAX_BLOB_BYTES = 1024 * 1024;
/** Distinct candidates one push may hold before it is refused unscanned. */
export const MAX_CANDIDATES = 20_000;
const BODY_LENGTH = 38;
const BASE62 = /^[0-9A-Za-z]+$/;

/**
 * Runs git with `args`, feeding `input`; resolves to its stdout, handed
 * chunk by chunk to `onData` when given (then the result is empty).
 * @param {string[]} args
 * @param {{ env?: NodeJS.ProcessEnv; input?: string; onData?: (chunk: Buffer) => void }} options
 * @returns {Promise<Buffer>}
 */
function git(args, { env = process.env, input, onData } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn('git', args, { env, stdio: ['pipe', 'pipe', 'inherit'] });
    const chunks = [];
    child.stdout.on('data', (chunk) => (onData ? onData(chunk) : chunks.push(chunk)));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(Buffer.concat(chunks)) : reject(new Error(`git ${args[0]} exited with ${code}`))));
    child.stdin.on('error', () => undefined);
    child.stdin.end(input ?? '');
  });
}

/**
 * The ids of the blobs of at most MAX_BLOB_BYTES that this push brought.
 * @returns {Promise<string[]>}
 */
export async function newBlobs() {
  // git quarantines every pack it receives (2.11 and later); no quarantine: no pack, nothing new (a push of deletions only).
  if (!process.env.GIT_QUARANTINE_PATH) return [];
  // Without the alternates, git sees the quarantine alone: the objects this push brought.
  const quarantineOnly = { ...process.env };
  delete quarantineOnly.GIT_ALTERNATE_OBJECT_DIRECTORIES;
  const listing = await git(['cat-file', '--batch-all-objects', '--unordered', '--batch-check=%(objecttype) %(objectname) %(objectsize)'], { env: quarantineOnly });
  const blobs = [];
  for (const line of listing.toString('latin1').split('\n')) {
    const [type, id, size] = line.split(' ');
    if (type === 'blob' && Number(size) <= MAX_BLOB_BYTES) blobs.push(id);
  }
  return blobs;
}

/**
 * Every `<prefix><38 base62>` string in the blobs `ids`, with its blob and line.
 * @param {string[]} ids
 * @param {string} prefix
 * @returns {Promise<{ token: string; blob: string; line: number }[]>}
 */
export async function findTokenShapes(ids, prefix) {
  if (ids.length === 0) return [];
  const needle = Buffer.from(prefix, 'latin1');
  const found = [];
  const scan = (blob, content) => {
    let line = 1;
    let counted = 0;
    for (let at = content.indexOf(needle); at >= 0; at = content.indexOf(needle, at + needle.length)) {
      const body = content.toString('latin1', at + needle.length, at + needle.length + BODY_LENGTH);
      if (body.length !== BODY_LENGTH || !BASE62.test(body)) continue;
      for (let i = content.indexOf(10, counted); i >= 0 && i < at; i = content.indexOf(10, i + 1)) line++;
      counted = at;
      found.push({ token: prefix + body, blob, line });
    }
  };
  // `git cat-file --batch` answers `<id> <type> <size>\n<content>\n` per id.
  let pending = Buffer.alloc(0);
  let current = null;
  const parts = [];
  let have = 0;
  await git(['cat-file', '--batch'], {
    input: `${ids.join('\n')}\n`,
    onData(chunk) {
      let data = pending.length > 0 ? Buffer.concat([pending, chunk]) : chunk;
      pending = Buffer.alloc(0);
      while (data.length > 0) {
        if (!current) {
          const eol = data.indexOf(10);
          if (eol < 0) break;
          const [id, type, size] = data.toString('latin1', 0, eol).split(' ');
          data = data.subarray(eol + 1);
          if (type !== 'missing') current = { id, size: Number(size) };
          continue;
        }
        const need = current.size + 1 - have;
        const take = data.subarray(0, need);
        parts.push(take);
        have += take.length;
        data = data.subarray(take.length);
        if (have === current.size + 1) {
          scan(current.id, Buffer.concat(parts).subarray(0, current.size));
          parts.length = 0;
          have = 0;
          current = null;
        }
      }
      if (data.length > 0) pending = Buffer.from(data);
    },
  });
  return found;
}

/**
 * Where each blob of `blobs` first enters the history the push adds: the
 * commit and path (raw diffs of the new commits, oldest last), or for a
 * blob a ref or tree reaches without a commit diff, the path `git rev-list
 * --objects` names. Blobs the new refs do not reach are left out: nobody
 * can fetch them.
 * @param {Set<string>} blobs
 * @param {string[]} newIds the new ids of the ref updates
 * @returns {Promise<Map<string, { commit: string; path: string }>>}
 */
export async function locate(blobs, newIds) {
  const where = new Map();
  if (blobs.size === 0 || newIds.length === 0) return where;
  const log = await git(['-c', 'core.quotePath=false', 'log', '--format=commit %H', '--raw', '--no-abbrev', '--no-renames', '-m', ...newIds, '--not', '--all']);
  let commit = '';
  for (const line of log.toString('utf8').split('\n')) {
    if (line.startsWith('commit ')) commit = line.slice(7);
    else if (line.startsWith(':')) {
      const tab = line.indexOf('\t');
      const fields = line.slice(1, tab).split(' ');
      const blob = fields[3];
      // git log lists newest first: the last sighting is where the blob came in.
      if (blobs.has(blob)) where.set(blob, { commit, path: line.slice(tab + 1) });
    }
  }
  const missing = [...blobs].filter((b) => !where.has(b));
  if (missing.length > 0) {
    const objects = await git(['rev-list', '--objects', ...newIds, '--not', '--all']);
    for (const line of objects.toString('utf8').split('\n')) {
      const space = line.indexOf(' ');
      const id = space < 0 ? line : line.slice(0, space);
      if (missing.includes(id) && !where.has(id)) where.set(id, { commit: '(no commit)', path: space < 0 ? '(no path)' : line.slice(space + 1) });
    }
  }
  return where;
}

/** True when the client asked to skip the scan (`git push -o secret_push_protection.skip_all`). */
export function skipRequested() {
  const count = Number(process.env.GIT_PUSH_OPTION_COUNT ?? 0);
  for (let i = 0; i < count; i++) {
    if (process.env[`GIT_PUSH_OPTION_${i}`] === 'secret_push_protection.skip_all') return true;
  }
  return false;
}
