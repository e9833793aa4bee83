/**
 * A seeded, deterministic history written as a `git fast-import` stream:
 * source-like text files that change a few hunks per commit, binary files
 * replaced now and then, feature branches merged back, annotated and
 * lightweight tags. The same profile always yields the same commit ids.
 */
import type { Writable } from 'node:stream';
import { Random } from './random.js';

/** The shape of one generated history. */
export interface HistoryProfile {
  seed: number;
  /** Commits on the main line (branch commits come on top). */
  commits: number;
  /** Text files at the start, spread over `dirs` directories. */
  initialFiles: number;
  dirs: number;
  /** Lines a text file may grow to before hunks are cut out of it. */
  maxLines: number;
  /** Text files touched per commit: 1…this many. */
  filesPerCommit: number;
  /** New lines per hunk: 1…this many. */
  hunkLines: number;
  /** Every this many commits a binary file is added or replaced (0: never). */
  binaryEvery: number;
  binaryBytes: [min: number, max: number];
  /** Every this many commits a feature branch of `branchLength` commits forks (0: never). */
  branchEvery: number;
  branchLength: number;
  /** Every this many commits a tag (alternately annotated and lightweight; 0: never). */
  tagEvery: number;
  /** Directory every generated path lives under ('' for the top). */
  pathPrefix: string;
  /** Ref the history is written to. */
  ref: string;
  /** Existing commit the first commit builds on, or null for a root commit. */
  parent: string | null;
}

type Files = Map<string, string[]>;

const AUTHORS = ['Ada Lovelace', 'Alan Turing', 'Grace Hopper', 'Edsger Dijkstra', 'Barbara Liskov', 'Ken Thompson', 'Margaret Hamilton', 'Donald Knuth'];
const EXTENSIONS = ['ts', 'c', 'md', 'py', 'go', 'txt'];

/**
 * Writes the fast-import stream of `profile` to `out`, honouring backpressure.
 * Does not end `out`.
 */
export async function writeHistory(profile: HistoryProfile, out: Writable): Promise<void> {
  await new HistoryWriter(profile, out).run();
}

class HistoryWriter {
  readonly #rng: Random;
  readonly #words: string[];
  #mark = 0;
  #time = 1_500_000_000;
  #binaries = 0;

  constructor(
    private readonly p: HistoryProfile,
    private readonly out: Writable,
  ) {
    this.#rng = new Random(p.seed);
    this.#words = Array.from({ length: 4000 }, () => this.#word());
  }

  async run(): Promise<void> {
    const { p } = this;
    const main: Files = new Map();
    let tip: string | null = p.parent;
    const initial = new Map<string, string[]>();
    for (let i = 0; i < p.initialFiles; i++) initial.set(this.#newPath(i), this.#lines(this.#rng.int(20, Math.min(200, p.maxLines))));
    for (const [path, lines] of initial) main.set(path, lines);
    tip = await this.#commit(p.ref, tip, null, [...initial.keys()], main, []);
    for (let n = 1; n < p.commits; n++) {
      if (p.branchEvery && n % p.branchEvery === 0) tip = await this.#featureBranch(n, tip, main);
      const changed = this.#edit(main);
      const binaries = p.binaryEvery && n % p.binaryEvery === 0 ? [this.#binary()] : [];
      tip = await this.#commit(p.ref, tip, null, changed, main, binaries);
      if (p.tagEvery && n % p.tagEvery === 0) await this.#tag(n, tip);
    }
  }

  /** A branch off `tip` with commits of its own, merged back into main (taking the branch's files). */
  async #featureBranch(n: number, tip: string, main: Files): Promise<string> {
    const ref = `refs/heads/feature/${n}`;
    const branch: Files = new Map(main);
    const touched = new Set<string>();
    let head = tip;
    for (let i = 0; i < this.p.branchLength; i++) {
      const changed = this.#edit(branch);
      changed.forEach((path) => touched.add(path));
      head = await this.#commit(ref, head, null, changed, branch, []);
    }
    // Every other branch stays open (unmerged refs, as in a live project).
    if ((n / this.p.branchEvery) % 2 === 1) return tip;
    for (const path of touched) {
      const lines = branch.get(path);
      if (lines) main.set(path, lines);
      else main.delete(path);
    }
    return this.#commit(this.p.ref, tip, head, [...touched], main, []);
  }

  /** Applies one commit's edits to `files`; returns the paths it changed. */
  #edit(files: Files): string[] {
    const rng = this.#rng;
    const changed = new Set<string>();
    const paths = [...files.keys()];
    if (rng.int(0, 19) === 0) {
      const path = this.#newPath(files.size + rng.int(0, 1_000_000));
      files.set(path, this.#lines(rng.int(20, 120)));
      changed.add(path);
    }
    if (rng.int(0, 99) === 0 && paths.length > 10) {
      const victim = rng.pick(paths);
      files.delete(victim);
      changed.add(victim);
    }
    for (let k = rng.int(1, this.p.filesPerCommit); k > 0; k--) {
      const path = rng.pick(paths);
      const before = files.get(path);
      if (!before) continue;
      const lines = before.slice();
      for (let h = rng.int(1, 3); h > 0; h--) {
        const at = rng.int(0, lines.length);
        const removed = lines.length > this.p.maxLines ? rng.int(this.p.hunkLines, 3 * this.p.hunkLines) : rng.int(0, 4);
        lines.splice(at, removed, ...this.#lines(rng.int(1, this.p.hunkLines)));
      }
      files.set(path, lines);
      changed.add(path);
    }
    return [...changed];
  }

  async #commit(ref: string, from: string | null, merge: string | null, changed: string[], files: Files, binaries: Array<[string, Buffer]>): Promise<string> {
    const mark = `:${++this.#mark}`;
    this.#time += this.#rng.int(60, 7200);
    const author = this.#rng.pick(AUTHORS);
    const ident = `${author} <${author.split(' ')[0]!.toLowerCase()}@example.test> ${this.#time} +0000`;
    const message = `${this.#sentence(this.#rng.int(3, 9))}\n\n${this.#sentence(this.#rng.int(8, 30))}\n`;
    let head = `commit ${ref}\nmark ${mark}\nauthor ${ident}\ncommitter ${ident}\n${data(message)}`;
    if (from) head += `from ${from}\n`;
    if (merge) head += `merge ${merge}\n`;
    await this.#write(head);
    for (const path of changed) {
      const lines = files.get(path);
      if (!lines) await this.#write(`D ${path}\n`);
      else await this.#write(`M 100644 inline ${path}\n${data(`${lines.join('\n')}\n`)}`);
    }
    for (const [path, bytes] of binaries) {
      await this.#write(`M 100644 inline ${path}\ndata ${bytes.length}\n`);
      await this.#write(bytes);
      await this.#write('\n');
    }
    await this.#write('\n');
    return mark;
  }

  async #tag(n: number, tip: string): Promise<void> {
    const name = `v${Math.floor(n / this.p.tagEvery / 10)}.${(n / this.p.tagEvery) % 10}.${n}`;
    if ((n / this.p.tagEvery) % 2 === 0) {
      await this.#write(`reset refs/tags/${name}\nfrom ${tip}\n\n`);
      return;
    }
    const tagger = `Release Bot <release@example.test> ${this.#time} +0000`;
    await this.#write(`tag ${name}\nfrom ${tip}\ntagger ${tagger}\n${data(`Release ${name}\n`)}`);
  }

  #binary(): [string, Buffer] {
    const [min, max] = this.p.binaryBytes;
    // Mostly new versions of a handful of assets, sometimes a new one.
    const slot = this.#rng.int(0, 3) === 0 ? this.#binaries++ : this.#rng.int(0, Math.max(0, this.#binaries - 1));
    if (slot === this.#binaries) this.#binaries++;
    return [`${this.p.pathPrefix}assets/blob-${slot}.bin`, this.#rng.bytes(this.#rng.int(min, max))];
  }

  #newPath(i: number): string {
    const dir = `${this.p.pathPrefix}pkg${String(i % this.p.dirs).padStart(2, '0')}`;
    return `${dir}/${this.#word()}_${i}.${this.#rng.pick(EXTENSIONS)}`;
  }

  #lines(count: number): string[] {
    const rng = this.#rng;
    return Array.from({ length: count }, () => {
      const indent = ' '.repeat(2 * rng.int(0, 4));
      const kind = rng.int(0, 9);
      if (kind === 0) return '';
      if (kind === 1) return `${indent}// ${this.#sentence(rng.int(4, 12))}`;
      if (kind === 2) return `${indent}const ${this.#word()} = 0x${rng.u32().toString(16)};`;
      return `${indent}${this.#word()}(${this.#sentence(rng.int(1, 5)).replaceAll(' ', ', ')});`;
    });
  }

  #sentence(words: number): string {
    return Array.from({ length: words }, () => this.#rng.pick(this.#words)).join(' ');
  }

  #word(): string {
    const syllables = ['ka', 'lo', 'mi', 're', 'tu', 'sa', 'ne', 'vo', 'pi', 'da', 'xe', 'qu', 'bri', 'str', 'ong', 'el'];
    let w = '';
    for (let i = this.#rng.int(1, 4); i > 0; i--) w += this.#rng.pick(syllables);
    return w;
  }

  async #write(chunk: string | Buffer): Promise<void> {
    if (this.out.write(chunk)) return;
    await new Promise<void>((resolve, reject) => {
      const onError = (err: Error): void => reject(err);
      this.out.once('error', onError);
      this.out.once('drain', () => {
        this.out.off('error', onError);
        resolve();
      });
    });
  }
}

/** A fast-import `data` command with its payload (lengths count bytes). */
function data(text: string): string {
  return `data ${Buffer.byteLength(text)}\n${text}\n`;
}
