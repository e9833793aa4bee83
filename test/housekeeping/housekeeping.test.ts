/**
 * Repository housekeeping through a real gitgate with the real git client,
 * on both databases: pushes over HTTP are counted and every third runs an
 * incremental repack, every sixth a full one (bitmap, commit-graph, packed
 * refs); a push during a run lands and the repository stays whole; a push
 * under way (in this process or any, by git's quarantine) holds a run
 * back; two instances sharing the database never run the same repository
 * at once and share the slots; and the API answers as GitLab's.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectLease } from '../../src/housekeeping/housekeeping-leases.js';
import type { Project } from '../../src/projects/project.js';
import { SQLITE_FILE } from '../../src/setup/private-data.js';
import { openStores, type Stores } from '../../src/storage/stores.js';
import type { User } from '../../src/users/user.js';
import { databaseKinds } from '../support/databases.js';
import { startGateway, type Gateway } from '../support/gateway.js';
import { authUrl, gitOk, tempDir } from '../support/git-cli.js';

const ADMIN = { id: 0, username: '(test)', isAdmin: true };

describe.each(databaseKinds())('housekeeping on %s', (kind) => {
  let a: Gateway;
  let b: Gateway;
  let other: Stores;
  let alice: User;
  let project: Project;
  let repoPath: string;
  let token: string;
  let work: string;
  let pushes = 0;

  const url = () => authUrl(a.url, `alice/${project.path}.git`, 'alice', token);
  const files = (dir: string) => (fs.existsSync(dir) ? fs.readdirSync(dir) : []);
  const packs = () => files(path.join(repoPath, 'objects', 'pack'));
  const looseObjects = () => files(path.join(repoPath, 'objects')).filter((d) => /^[0-9a-f]{2}$/.test(d)).reduce((n, d) => n + files(path.join(repoPath, 'objects', d)).length, 0);
  const state = () => a.system.housekeeping.state(ADMIN, project.id);

  /** Commits a file and pushes it over HTTP (main and a topic branch); resolves once gitgate counted it and what it scheduled ran. */
  async function push(): Promise<void> {
    const n = ++pushes;
    fs.writeFileSync(path.join(work, `file-${n}.txt`), `push ${n}\n`);
    await gitOk(['-C', work, 'add', '.']);
    await gitOk(['-C', work, 'commit', '-q', '-m', `push ${n}`]);
    await gitOk(['-C', work, 'push', '-q', url(), 'HEAD:refs/heads/main', `HEAD:refs/heads/topic-${n}`]);
    await a.system.pushes.idle(repoPath);
    await a.system.housekeeping.idle();
  }

  /** Clones over HTTP and checks the clone is whole and has the server's refs. */
  async function cloneWhole(): Promise<void> {
    const dest = tempDir('gitgate-hk-clone-');
    await gitOk(['clone', '-q', '--bare', url(), dest]);
    await gitOk(['-C', dest, 'fsck', '--no-progress', '--no-dangling']);
    const refs = (dir: string) => gitOk(['-C', dir, 'for-each-ref', '--format=%(objectname) %(refname)', 'refs/heads']);
    expect(await refs(dest)).toBe(await refs(repoPath));
    fs.rmSync(dest, { recursive: true, force: true });
  }

  beforeAll(async () => {
    a = await startGateway(kind, { env: { GITGATE_HOUSEKEEPING_INCREMENTAL_EVERY: '3', GITGATE_HOUSEKEEPING_FULL_EVERY: '6' } });
    b = await startGateway(kind, { shareWith: a });
    const { databaseUrl } = a.system.config;
    other = await openStores(databaseUrl ? { kind: 'postgres', url: databaseUrl } : { kind: 'sqlite', path: path.join(a.dataDir, SQLITE_FILE) });
    alice = await a.createUser('alice');
    project = await a.createProject(alice, 'busy');
    repoPath = fs.realpathSync(a.repoPath(project));
    token = (await a.createToken(alice, ['write_repository', 'api'])).token;
    work = tempDir('gitgate-hk-work-');
    await gitOk(['init', '-q', '-b', 'main', work]);
  });
  afterAll(async () => {
    await other?.close();
    await b?.stop();
    await a?.stop();
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  it('counts pushes: an incremental repack every third, a full one with bitmap, commit-graph and packed refs every sixth', async () => {
    await push();
    await push();
    expect(await state()).toEqual({ pushesSinceFull: 2, lastIncrementalAt: null, lastFullAt: null });
    expect(looseObjects()).toBeGreaterThan(0);
    await push();
    expect(await state()).toMatchObject({ pushesSinceFull: 3, lastIncrementalAt: expect.any(Date), lastFullAt: null });
    expect(looseObjects()).toBe(0);
    expect(packs().some((n) => n.endsWith('.bitmap'))).toBe(false);
    await push();
    await push();
    expect(looseObjects()).toBeGreaterThan(0);
    await push();
    expect(await state()).toMatchObject({ pushesSinceFull: 0, lastFullAt: expect.any(Date) });
    expect(looseObjects()).toBe(0);
    expect(packs().filter((n) => n.endsWith('.pack'))).toHaveLength(1);
    expect(packs().some((n) => n.endsWith('.bitmap'))).toBe(true);
    expect(files(path.join(repoPath, 'objects', 'info', 'commit-graphs'))).toContain('commit-graph-chain');
    expect(files(path.join(repoPath, 'refs', 'heads'))).toEqual([]);
    expect(fs.readFileSync(path.join(repoPath, 'packed-refs'), 'utf8')).toContain('refs/heads/topic-6');
    await cloneWhole();
  });

  it('holds a run back while a push to the repository is under way, here or on any instance', async () => {
    const done = a.system.pushes.begin({ repoPath, projectId: project.id });
    expect(await a.system.housekeeping.runNow(ADMIN, project.id)).toEqual({ status: 'waiting', reason: 'push' });
    done(false);
    // Another instance's push: git's quarantine of the objects it is receiving.
    const quarantine = path.join(repoPath, 'objects', 'tmp_objdir-incoming-test');
    fs.mkdirSync(quarantine);
    try {
      expect(await b.system.housekeeping.runNow(ADMIN, project.id)).toEqual({ status: 'waiting', reason: 'push' });
      // One left behind by a push that crashed long ago holds nothing back.
      const old = new Date(Date.now() - 2 * 3_600_000);
      fs.utimesSync(quarantine, old, old);
      expect(await b.system.housekeeping.runNow(ADMIN, project.id)).toMatchObject({ status: 'done' });
    } finally {
      fs.rmSync(quarantine, { recursive: true, force: true });
    }
  });

  it('a push and a clone that come while housekeeping runs succeed, and the repository stays whole', async () => {
    for (let round = 0; round < 3; round++) {
      const running = a.system.housekeeping.runNow(ADMIN, project.id);
      const dest = tempDir('gitgate-hk-during-');
      const cloning = gitOk(['clone', '-q', '--bare', url(), dest]).then(() => gitOk(['-C', dest, 'fsck', '--no-progress', '--no-dangling']));
      await push();
      await cloning;
      fs.rmSync(dest, { recursive: true, force: true });
      const result = await running;
      // Whichever began first: the run ran alongside the push, or saw it and held back.
      expect(['done', 'waiting']).toContain(result.status);
      await gitOk(['-C', repoPath, 'fsck', '--no-progress', '--no-dangling']);
      expect((await gitOk(['-C', repoPath, 'rev-parse', 'main'])).trim()).toBe((await gitOk(['-C', work, 'rev-parse', 'HEAD'])).trim());
    }
    expect(await a.system.housekeeping.runNow(ADMIN, project.id)).toMatchObject({ status: 'done' });
    await cloneWhole();
  });

  it('two instances sharing the database: one run per repository, and the slots bound all of them', async () => {
    const now = new Date();
    const until = new Date(now.getTime() + 600_000);
    // A third instance runs this repository: its lease is in the shared database.
    expect(await other.leases.acquire(projectLease(project.id), 'elsewhere', now, until)).toBe(true);
    expect(await a.system.housekeeping.runNow(ADMIN, project.id)).toEqual({ status: 'busy' });
    expect(await b.system.housekeeping.runNow(ADMIN, project.id)).toEqual({ status: 'busy' });
    const refused = await fetch(`${b.url}/api/v4/projects/${project.id}/housekeeping`, { method: 'POST', headers: { 'PRIVATE-TOKEN': token } });
    expect(refused.status).toBe(409);
    expect(await refused.json()).toEqual({ message: 'Somebody already triggered housekeeping for this project' });
    await other.leases.release(projectLease(project.id), 'elsewhere');

    // It holds the only slot (GITGATE_HOUSEKEEPING_CONCURRENCY=1) for another repository.
    expect(await other.leases.acquire('housekeeping:slot:0', 'elsewhere', now, until)).toBe(true);
    expect(await b.system.housekeeping.runNow(ADMIN, project.id)).toEqual({ status: 'waiting', reason: 'slots' });
    await other.leases.release('housekeeping:slot:0', 'elsewhere');

    const started = await fetch(`${b.url}/api/v4/projects/${project.id}/housekeeping`, { method: 'POST', headers: { 'PRIVATE-TOKEN': token } });
    expect(started.status).toBe(201);
    await b.system.housekeeping.idle();
    // Both instances at once: each run is one at a time, and each gives its leases up.
    const results = await Promise.all([a.system.housekeeping.runNow(ADMIN, project.id), b.system.housekeeping.runNow(ADMIN, project.id)]);
    expect(results.filter((r) => r.status === 'done').length).toBeGreaterThanOrEqual(1);
    expect(results.every((r) => r.status === 'done' || r.status === 'busy' || (r.status === 'waiting' && r.reason === 'slots'))).toBe(true);
    expect(await other.leases.acquire(projectLease(project.id), 'elsewhere', now, until)).toBe(true);
    expect(await other.leases.acquire('housekeeping:slot:0', 'elsewhere', now, until)).toBe(true);
    await other.leases.release(projectLease(project.id), 'elsewhere');
    await other.leases.release('housekeeping:slot:0', 'elsewhere');
    await cloneWhole();
  });

  it('POST /projects/:id/housekeeping: 201 for maintainers and up, 403 below, 404 unseen, 401 without a token, 400 for an unknown task', async () => {
    const dev = await a.createUser('dev');
    const maint = await a.createUser('maint');
    const stranger = await a.createUser('stranger');
    await a.addMember(project, dev, 'developer');
    await a.addMember(project, maint, 'maintainer');
    const tokenOf = async (u: User) => (await a.createToken(u, ['api'])).token;
    const post = async (t: string | null, body?: object) =>
      fetch(`${a.url}/api/v4/projects/${encodeURIComponent(`alice/${project.path}`)}/housekeeping`, {
        method: 'POST',
        headers: { ...(t ? { 'PRIVATE-TOKEN': t } : {}), ...(body ? { 'Content-Type': 'application/json' } : {}) },
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
    expect((await post(null)).status).toBe(401);
    expect((await post(await tokenOf(stranger))).status).toBe(404);
    expect((await post(await tokenOf(dev))).status).toBe(403);
    expect((await post(await tokenOf(maint), { task: 'sideways' })).status).toBe(400);
    const readOnly = (await a.createToken(maint, ['read_api'])).token;
    expect((await post(readOnly)).status).toBe(403);
    const ok = await post(await tokenOf(maint), { task: 'prune' });
    expect(ok.status).toBe(201);
    await a.system.housekeeping.idle();
    expect((await post(token)).status).toBe(201);
    await a.system.housekeeping.idle();
    // A run queued behind a push under way: a second trigger is refused until it ran.
    const done = a.system.pushes.begin({ repoPath, projectId: project.id });
    try {
      expect((await post(token)).status).toBe(201);
      const again = await post(token);
      expect(again.status).toBe(409);
      expect(await again.json()).toEqual({ message: 'Somebody already triggered housekeeping for this project' });
      expect((await fetch(`${b.url}/api/v4/projects/${project.id}/housekeeping`, { method: 'POST', headers: { 'PRIVATE-TOKEN': token } })).status).toBe(409);
    } finally {
      done(false);
    }
  });
});

describe("git's own auto gc after a push", () => {
  let gw: Gateway;
  afterAll(() => gw?.stop());

  it('never runs inside a push gitgate serves, even with housekeeping after pushes off: housekeeping is the one keeper', async () => {
    gw = await startGateway('sqlite', { env: { GITGATE_HOUSEKEEPING_INCREMENTAL_EVERY: '0', GITGATE_HOUSEKEEPING_FULL_EVERY: '0' } });
    const owner = await gw.createUser('owner');
    const kept = await gw.createProject(owner, 'kept');
    const repo = gw.repoPath(kept);
    const token = (await gw.createToken(owner, ['write_repository'])).token;
    // Every push kept as a pack, and git's auto gc due from the second pack on, in the foreground.
    for (const [key, value] of [['receive.unpackLimit', '1'], ['gc.autoPackLimit', '1'], ['gc.autoDetach', 'false']]) await gitOk(['-C', repo, 'config', key, value!]);
    const work = tempDir('gitgate-autogc-');
    await gitOk(['init', '-q', '-b', 'main', work]);
    for (let i = 0; i < 3; i++) {
      fs.writeFileSync(path.join(work, `f${i}`), `${i}\n`);
      await gitOk(['-C', work, 'add', '.']);
      await gitOk(['-C', work, 'commit', '-q', '-m', `c${i}`]);
      await gitOk(['-C', work, 'push', '-q', authUrl(gw.url, 'owner/kept.git', 'owner', token), 'HEAD:main']);
    }
    await gw.system.pushes.idle(fs.realpathSync(repo));
    await gw.system.housekeeping.idle();
    expect(fs.readdirSync(path.join(repo, 'objects', 'pack')).filter((n) => n.endsWith('.pack'))).toHaveLength(3);
    expect(await gw.system.housekeeping.state(ADMIN, kept.id)).toMatchObject({ pushesSinceFull: 3, lastIncrementalAt: null, lastFullAt: null });
    fs.rmSync(work, { recursive: true, force: true });
  });
});
