/**
 * The `git for-each-ref --format` that describes refs and the parser of its
 * output. Messages may hold any byte git lets through, so fields and records
 * are delimited by a NUL followed by a random nonce chosen per run: no
 * commit or tag text can end a field or forge a record, since its author
 * cannot know the nonce.
 */
import { randomBytes } from 'node:crypto';

/** A commit as git describes it. Dates are ISO 8601 with the commit's own offset. */
export interface CommitDetails {
  id: string;
  parentIds: string[];
  authorName: string;
  authorEmail: string;
  authoredDate: string;
  committerName: string;
  committerEmail: string;
  committedDate: string;
  /** The whole message, as stored. */
  message: string;
  /** The message's trailers (`Signed-off-by: …`), in order, continuation lines unfolded. */
  trailers: [string, string][];
}

/** One ref, described. */
export interface RefDetails {
  /** The full name, e.g. `refs/heads/main`. */
  refname: string;
  /** The object the ref points at: a tag object for an annotated tag. */
  objectId: string;
  /** For an annotated tag: its message (without a signature) and the tagger's date. Null for any other ref. */
  tag: { message: string; date: string | null } | null;
  /** The commit the ref leads to (directly or through one annotated tag); null when it leads to another kind of object. */
  commit: CommitDetails | null;
}

const COMMIT_ATOMS = [
  'objectname',
  'parent',
  'authorname',
  'authoremail:trim',
  'authordate:iso-strict',
  'committername',
  'committeremail:trim',
  'committerdate:iso-strict',
  'trailers:unfold,separator=%x1f,key_value_separator=%x1e',
  'contents',
];
const REF_ATOMS = ['refname', 'objecttype', '*objecttype', 'taggerdate:iso-strict', 'contents:signature'];

/** A format and the parser of what it makes git print. */
export interface DetailsFormat {
  /** The `--format=` argument. */
  format: string;
  /** Reads git's output into details by refname; malformed records are skipped. */
  parse(output: Buffer): Map<string, RefDetails>;
}

/** A fresh format (a new nonce) for one run. */
export function detailsFormat(): DetailsFormat {
  const nonce = randomBytes(12).toString('hex');
  const atoms = [...REF_ATOMS, ...COMMIT_ATOMS, ...COMMIT_ATOMS.map((a) => `*${a}`)];
  const field = `%00${nonce}F`;
  const record = `%00${nonce}R`;
  return {
    format: atoms.map((a) => `%(${a})`).join(field) + record,
    parse(output) {
      const found = new Map<string, RefDetails>();
      const records = output.toString('utf8').split(`\0${nonce}R\n`);
      for (const text of records.slice(0, -1)) {
        const fields = text.split(`\0${nonce}F`);
        if (fields.length !== atoms.length) continue;
        const details = toDetails(fields);
        if (details) found.set(details.refname, details);
      }
      return found;
    },
  };
}

function toDetails(fields: string[]): RefDetails | null {
  const [refname, type, peeledType, taggerDate, signature] = fields as [string, string, string, string, string];
  const direct = fields.slice(REF_ATOMS.length, REF_ATOMS.length + COMMIT_ATOMS.length);
  const peeled = fields.slice(REF_ATOMS.length + COMMIT_ATOMS.length);
  const objectId = direct[0]!;
  if (!refname || !/^[0-9a-f]{40,64}$/.test(objectId)) return null;
  if (type === 'tag') {
    const contents = direct[COMMIT_ATOMS.length - 1]!;
    const message = (signature && contents.endsWith(signature) ? contents.slice(0, -signature.length) : contents).replace(/\n+$/, '');
    return { refname, objectId, tag: { message, date: taggerDate || null }, commit: peeledType === 'commit' ? toCommit(peeled) : null };
  }
  return { refname, objectId, tag: null, commit: type === 'commit' ? toCommit(direct) : null };
}

function toCommit(f: string[]): CommitDetails {
  const [id, parents, authorName, authorEmail, authoredDate, committerName, committerEmail, committedDate, trailers, message] = f as [
    string, string, string, string, string, string, string, string, string, string,
  ];
  return {
    id,
    parentIds: parents ? parents.split(' ') : [],
    authorName,
    authorEmail,
    authoredDate,
    committerName,
    committerEmail,
    committedDate,
    message,
    trailers: trailers
      ? trailers.split('\x1f').flatMap((t): [string, string][] => {
          const at = t.indexOf('\x1e');
          return at > 0 ? [[t.slice(0, at), t.slice(at + 1)]] : [];
        })
      : [],
  };
}
