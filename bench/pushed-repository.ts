/**
 * A bare repository built the way a busy project's is: a first push of a
 * small code base, then `pushes` small pushes one at a time through git's
 * own receive-pack, each changing one file. Pushes under git's
 * `receive.unpackLimit` (100 objects) land as loose objects; every other
 * push here is received with `receive.unpackLimit=1`, so it is kept as a
 * pack of its own, as larger pushes are — loose objects and many small
 * packs, no bitmap, no commit-graph. Like gitgate's, its receive-pack runs
 * no `git gc --auto`. The history is written by `git
 * fast-import` and pushed commit by commit; the result is kept in
 * `bench/work/` (keyed by the parameters) and reused.
 */
import fs from 'node:fs';
import path from 'node:path';
import { runChecked } from './run-command.js';

/** The repository's path, built when missing. */
export async function ensurePushedRepository(workDir: string, pushes: number, log: (line: string) => void): Promise<string> {
  const bare = path.join(workDir, `pushed-${pushes}-v2.git`);
  if (fs.existsSync(path.join(bare, 'gitgate-bench-complete'))) return bare;
  fs.rmSync(bare, { recursive: true, force: true });
  const source = path.join(workDir, `pushed-${pushes}-source`);
  fs.rmSync(source, { recursive: true, force: true });
  log(`building a repository of ${pushes} small pushes (once; kept in ${workDir})…`);
  await runChecked('git', ['init', '-q', '--bare', source]);
  const streamFile = path.join(workDir, `pushed-${pushes}.fi`);
  fs.writeFileSync(streamFile, history(pushes));
  await runChecked('git', ['fast-import', '--quiet'], { cwd: source, stdinFile: streamFile });
  fs.rmSync(streamFile);
  await runChecked('git', ['init', '-q', '--bare', '-b', 'main', bare]);
  const commits = (await runChecked('git', ['rev-list', '--reverse', 'main'], { cwd: source })).trim().split('\n');
  for (const [i, commit] of commits.entries()) {
    // As gitgate runs it: no auto gc after the push (housekeeping's job).
    const receivePack = `--receive-pack=git -c receive.autogc=false${i % 2 === 1 ? ' -c receive.unpackLimit=1' : ''} receive-pack`;
    await runChecked('git', ['push', '-q', receivePack, bare, `${commit}:refs/heads/main`], { cwd: source });
    if (i % 100 === 0) log(`  push ${i + 1} of ${commits.length}`);
  }
  fs.rmSync(source, { recursive: true, force: true });
  fs.writeFileSync(path.join(bare, 'gitgate-bench-complete'), `${pushes}\n`);
  return bare;
}

/** A fast-import stream: a first commit of 400 files in 20 directories, then `pushes` commits changing one file each. */
function history(pushes: number): string {
  const files = 400;
  const content = new Map<number, string>();
  const parts: string[] = [];
  let mark = 0;
  let time = 1_700_000_000;
  const commit = (message: string, changed: number[]): void => {
    mark++;
    parts.push(`commit refs/heads/main\nmark :${mark}\ncommitter Bench <bench@example.test> ${time++} +0000\ndata ${Buffer.byteLength(message)}\n${message}\n`);
    if (mark > 1) parts.push(`from :${mark - 1}\n`);
    for (const f of changed) {
      const data = content.get(f)!;
      parts.push(`M 100644 inline dir-${f % 20}/file-${f}.txt\ndata ${Buffer.byteLength(data)}\n${data}\n`);
    }
  };
  for (let f = 0; f < files; f++) {
    content.set(f, Array.from({ length: 60 }, (_, line) => `file ${f} line ${line}: ${'lorem ipsum dolor sit amet '.repeat(2 + ((f * 7 + line) % 5))}`).join('\n') + '\n');
  }
  commit('first push', [...content.keys()]);
  for (let p = 1; p <= pushes; p++) {
    const f = (p * 37) % files;
    content.set(f, `${content.get(f)!}push ${p}: ${'change '.repeat(1 + (p % 9))}\n`);
    commit(`push ${p}`, [f]);
  }
  parts.push('done\n');
  return parts.join('');
}
