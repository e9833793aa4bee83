import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConflictError, ValidationError } from '../../src/lib/errors.js';
import { FsRepositoryStore } from '../../src/storage/repos/fs-repository.store.js';
import { commitFile, gitOk, workTree } from './harness.js';

let base: string;
let root: string;
let store: FsRepositoryStore;

beforeAll(() => {
  base = fs.mkdtempSync(path.join(os.tmpdir(), 'gitgate-store-'));
  root = path.join(base, 'repos');
  store = new FsRepositoryStore(root, 'git');
});

afterAll(() => {
  fs.rmSync(base, { recursive: true, force: true });
});

describe('FsRepositoryStore', () => {
  it('creates a bare repository with HEAD on main and resolves it', async () => {
    const created = await store.create('alice', 'one');
    expect(created).toBe(path.join(root, 'alice', 'one.git'));
    expect(await gitOk(['rev-parse', '--is-bare-repository'], created)).toBe('true');
    expect(await gitOk(['symbolic-ref', 'HEAD'], created)).toBe('refs/heads/main');
    expect(await store.resolve('alice', 'one')).toBe(fs.realpathSync(created));
    expect(fs.readdirSync(path.join(root, 'alice')).filter((n) => n.startsWith('.'))).toEqual([]);
  });

  it('refuses to create an existing repository, also when racing', async () => {
    await expect(store.create('alice', 'one')).rejects.toBeInstanceOf(ConflictError);
    const results = await Promise.allSettled([1, 2, 3, 4].map(() => store.create('alice', 'race')));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const r of results) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(ConflictError);
  });

  it.each([
    ['..', 'x'],
    ['alice', '..'],
    ['alice', 'x.git'],
    ['a/b', 'x'],
    ['alice', 'x\\y'],
    ['', 'x'],
    ['.hidden', 'x'],
    ['alice', '/etc'],
  ])('rejects the names %j / %j', async (ns, project) => {
    await expect(store.create(ns, project)).rejects.toBeInstanceOf(ValidationError);
    await expect(store.remove(ns, project)).rejects.toBeInstanceOf(ValidationError);
    expect(await store.resolve(ns, project)).toBeNull();
  });

  it('resolves only existing bare repositories, never creating anything', async () => {
    expect(await store.resolve('alice', 'missing')).toBeNull();
    expect(fs.existsSync(path.join(root, 'alice', 'missing.git'))).toBe(false);
    expect(await store.resolve('nobody', 'missing')).toBeNull();
    expect(fs.existsSync(path.join(root, 'nobody'))).toBe(false);
    fs.mkdirSync(path.join(root, 'alice', 'empty.git'));
    expect(await store.resolve('alice', 'empty')).toBeNull();
    fs.writeFileSync(path.join(root, 'alice', 'file.git'), 'not a repo');
    expect(await store.resolve('alice', 'file')).toBeNull();
  });

  it('sees a deletion at once (no cache)', async () => {
    const p = await store.create('alice', 'gone');
    expect(await store.resolve('alice', 'gone')).not.toBeNull();
    fs.rmSync(p, { recursive: true });
    expect(await store.resolve('alice', 'gone')).toBeNull();
  });

  it('refuses symlinks out of the root, for repositories and namespaces', async () => {
    const outside = path.join(base, 'outside');
    await gitOk(['init', '-q', '--bare', path.join(outside, 'secret.git')], base);
    fs.symlinkSync(path.join(outside, 'secret.git'), path.join(root, 'alice', 'link.git'));
    fs.symlinkSync(outside, path.join(root, 'evil'));
    expect(await store.resolve('alice', 'link')).toBeNull();
    expect(await store.resolve('evil', 'secret')).toBeNull();
    await expect(store.create('evil', 'planted')).rejects.toBeInstanceOf(ValidationError);
    expect(fs.existsSync(path.join(outside, 'planted.git'))).toBe(false);
    expect(await store.remove('evil', 'secret')).toBe(false);
    expect(fs.existsSync(path.join(outside, 'secret.git', 'HEAD'))).toBe(true);
  });

  it('follows symlinks that stay inside the root', async () => {
    fs.symlinkSync(path.join(root, 'alice'), path.join(root, 'alias'));
    expect(await store.resolve('alias', 'one')).toBe(fs.realpathSync(path.join(root, 'alice', 'one.git')));
  });

  it('works when the root itself is reached through a symlink', async () => {
    const linked = path.join(base, 'root-link');
    fs.symlinkSync(root, linked);
    const viaLink = new FsRepositoryStore(linked, 'git');
    expect(await viaLink.resolve('alice', 'one')).toBe(fs.realpathSync(path.join(root, 'alice', 'one.git')));
  });

  it('imports refs and objects, but neither hooks nor config, from a source repository', async () => {
    const work = await workTree(base, 'import-src', 2);
    await gitOk(['tag', 'v1'], work);
    await commitFile(work, 'x.txt', 'x\n');
    const source = path.join(base, 'source.git');
    await gitOk(['clone', '-q', '--bare', work, source], base);
    await gitOk(['config', 'core.hooksPath', '/tmp/evil-hooks'], source);
    fs.writeFileSync(path.join(source, 'hooks', 'pre-receive'), '#!/bin/sh\nexit 0\n', { mode: 0o755 });
    const imported = await store.importFrom(source, 'bob', 'imported');
    expect(await store.resolve('bob', 'imported')).toBe(fs.realpathSync(imported));
    expect(await gitOk(['for-each-ref', '--format=%(objectname) %(refname)'], imported)).toBe(
      await gitOk(['for-each-ref', '--format=%(objectname) %(refname)'], source),
    );
    expect(fs.existsSync(path.join(imported, 'hooks', 'pre-receive'))).toBe(false);
    const config = fs.readFileSync(path.join(imported, 'config'), 'utf8');
    expect(config).not.toContain('hooksPath');
    expect(config).not.toContain('origin');
    await gitOk(['fsck', '--no-progress'], imported);
    // One pack with a reachability bitmap, as gc would leave it.
    const packs = fs.readdirSync(path.join(imported, 'objects', 'pack'));
    expect(packs.filter((f) => f.endsWith('.pack'))).toHaveLength(1);
    expect(packs.filter((f) => f.endsWith('.bitmap'))).toHaveLength(1);
    await expect(store.importFrom(source, 'bob', 'imported')).rejects.toBeInstanceOf(ConflictError);
  });

  it('removes a repository, and only the link when it is a symlink', async () => {
    await store.create('carol', 'doomed');
    expect(await store.remove('carol', 'doomed')).toBe(true);
    expect(await store.resolve('carol', 'doomed')).toBeNull();
    expect(fs.readdirSync(path.join(root, 'carol'))).toEqual([]);
    expect(await store.remove('carol', 'doomed')).toBe(false);

    const target = await store.create('carol', 'target');
    fs.symlinkSync(target, path.join(root, 'carol', 'pointer.git'));
    expect(await store.remove('carol', 'pointer')).toBe(true);
    expect(await store.resolve('carol', 'target')).toBe(fs.realpathSync(target));
  });

  describe('headBranch', () => {
    it("reads the branch HEAD names, before and after the branch's first commit", async () => {
      const repo = await store.create('dave', 'heads');
      expect(await store.headBranch('dave', 'heads')).toBe('main');
      const work = await workTree(base, 'heads-src', 1);
      await gitOk(['push', '-q', repo, 'HEAD:refs/heads/feature/x'], work);
      await gitOk(['symbolic-ref', 'HEAD', 'refs/heads/feature/x'], repo);
      expect(await store.headBranch('dave', 'heads')).toBe('feature/x');
    });

    it('is null for a missing repository, a detached HEAD, a reftable placeholder, odd names and a symlinked HEAD', async () => {
      expect(await store.headBranch('dave', 'missing')).toBeNull();
      expect(await store.headBranch('..', 'x')).toBeNull();
      const repo = await store.create('dave', 'odd');
      const head = path.join(repo, 'HEAD');
      for (const text of [
        '0123456789abcdef0123456789abcdef01234567\n',
        'ref: refs/heads/.invalid\n',
        'ref: refs/tags/v1\n',
        'ref: refs/heads/a..b\n',
        'ref: refs/heads/main\nref: refs/heads/other\n',
        `ref: refs/heads/${'x'.repeat(2000)}\n`,
      ]) {
        fs.writeFileSync(head, text);
        expect(await store.headBranch('dave', 'odd'), text.slice(0, 40)).toBeNull();
      }
      const elsewhere = path.join(base, 'elsewhere-HEAD');
      fs.writeFileSync(elsewhere, 'ref: refs/heads/leaked\n');
      fs.rmSync(head);
      fs.symlinkSync(elsewhere, head);
      expect(await store.headBranch('dave', 'odd')).toBeNull();
    });
  });
});
