// Builds dist/, what `npm start`, bin/gitgate and the Docker image run:
// compiles src/ (tests left out) with tsconfig.build.json, then copies every
// file of src/ that is not TypeScript — the web views and assets, the git
// spawner helper — to the same place under dist/, where the compiled code
// looks for them (relative to its own module). The output is written beside
// dist/ and swapped in at the end, so a failed build leaves dist/ as it was.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const src = path.join(root, 'src');
const dist = path.join(root, 'dist');
const next = path.join(root, `dist.${process.pid}.tmp`);
const old = path.join(root, `dist.${process.pid}.old`);
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');

try {
  execFileSync(process.execPath, [tsc, '-p', path.join(root, 'tsconfig.build.json'), '--outDir', next], { stdio: 'inherit' });
} catch {
  fs.rmSync(next, { recursive: true, force: true });
  process.stderr.write('build: tsc failed; dist/ is unchanged\n');
  process.exit(1);
}
fs.cpSync(src, next, {
  recursive: true,
  filter: (from) => fs.statSync(from).isDirectory() || !from.endsWith('.ts'),
});
if (fs.existsSync(dist)) fs.renameSync(dist, old);
fs.renameSync(next, dist);
fs.rmSync(old, { recursive: true, force: true });
