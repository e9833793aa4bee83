/**
 * Pushes announced through Redis (src/cache/ref-update-bus.ts) reach the
 * git answer caches of another host whose view of the shared files cannot
 * be trusted: it keeps the first lstat of every file (an NFS client's
 * attribute cache) and its clock is ahead of the writer's, so every file
 * looks settled at once. Without the announcement that host answers the old
 * refs; with it, the very next answer is git's. A host whose clock is
 * behind caches nothing until the files settle by its clock. A push over
 * HTTP through a real gateway publishes its repository's path below the
 * repositories directory.
 */
import { execFile } from 'node:child_process';
import type { BigIntStats } from 'node:fs';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { connectRefUpdates } from '../../src/cache/ref-update-bus.js';
import { GitAnswerCache, type GitQuestion } from '../../src/git/git-answer-cache.js';
import { DEFAULT_GIT_PATH } from '../../src/git/git-env.js';
import { RefStates } from '../../src/git/ref-state.js';
import { RefUpdates } from '../../src/git/ref-updates.js';
import { createMetrics } from '../../src/lib/metrics.js';
import { startGateway, type Gateway } from '../support/gateway.js';
import { authUrl, gitOk, tempDir } from '../support/git-cli.js';
import { useScratchGit } from '../support/scratch-git.js';

const run = promisify(execFile);
const redisUrl = inject('redisUrl');
const scratch = useScratchGit('gitgate-announce-');
const V0: GitQuestion = { kind: 'advertisement', gitProtocol: null };

/** An lstat that keeps the first answer for every file, as an NFS client's attribute cache does until it times out. */
function attributeCache(): (file: string) => BigIntStats | null {
  const seen = new Map<string, BigIntStats | null>();
  return (file) => {
    if (!seen.has(file)) seen.set(file, fs.lstatSync(file, { bigint: true, throwIfNoEntry: false }) ?? null);
    return seen.get(file)!;
  };
}

function answerCache(refStates: RefStates): GitAnswerCache {
  return new GitAnswerCache({ gitBin: 'git', envPath: DEFAULT_GIT_PATH, homeDir: scratch.base, stderrLimitBytes: 4096, timeoutMs: 10_000, refStates });
}

/** A bare repository under `root` with one commit on main; resolves to its path and a commit maker. */
async function repository(root: string): Promise<{ repo: string; commit: (message: string) => Promise<string> }> {
  const repo = path.join(root, 'alice', 'shared.git');
  await run('git', ['init', '--bare', '--quiet', '--initial-branch=main', repo], { env: scratch.env() });
  const tree = await scratch.git(repo, 'hash-object', '-w', '-t', 'tree', '/dev/null');
  let parent: string | null = null;
  const commit = async (message: string): Promise<string> => {
    const sha = await scratch.git(repo, 'commit-tree', tree, '-m', message, ...(parent ? ['-p', parent] : []));
    // What receive-pack does on another host: the branch's file replaced by a lock file renamed into place.
    await scratch.git(repo, 'update-ref', 'refs/heads/main', sha);
    parent = sha;
    return sha;
  };
  await commit('first');
  return { repo, commit };
}

describe.runIf(redisUrl)('ref updates announced through Redis to another host', () => {
  const prefix = `gitgate-test:${process.pid}:announce:`;
  const connections: Redis[] = [];
  const logger = pino({ level: 'silent' });
  let root: string;

  /** One host's RefUpdates, connected to the others through its own Redis connections. */
  const host = (): RefUpdates => {
    const updates = new RefUpdates();
    const subscriber = new Redis(redisUrl!);
    const publisher = new Redis(redisUrl!);
    connections.push(subscriber, publisher);
    connectRefUpdates({ subscriber, publisher, prefix, reposDir: root, updates, logger, metrics: createMetrics({ defaultMetrics: false }) });
    return updates;
  };

  beforeAll(() => {
    root = fs.realpathSync(tempDir('gitgate-announce-repos-'));
  });
  afterAll(() => {
    for (const c of connections) c.disconnect();
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('a push announced by one host is in the next answer of another whose attribute cache and clock hide it', async () => {
    const writer = host();
    const reader = host();
    const probe = new Redis(redisUrl!);
    connections.push(probe);
    const channel = `${prefix}refs-invalidate`;
    while (((await probe.pubsub('NUMSUB', channel)) as [string, number])[1] < 2) await new Promise((r) => setTimeout(r, 20));

    const { repo, commit } = await repository(root);
    const first = await scratch.git(repo, 'rev-parse', 'main');
    const ahead = () => Date.now() + 10_000;
    const stale = attributeCache();
    const announced = answerCache(new RefStates(512, 2000, ahead, reader, stale));
    const timestampsAlone = answerCache(new RefStates(512, 2000, ahead, null, stale));
    for (const c of [announced, timestampsAlone]) {
      expect((await c.answer(repo, V0))!.toString()).toContain(`${first} HEAD`);
      expect((await c.answer(repo, V0))!.toString()).toContain(`${first} HEAD`);
      expect(c.stats).toMatchObject({ fills: 1, hits: 1 });
    }

    const second = await commit('second');
    await writer.announce(repo);

    const fresh = (await announced.answer(repo, V0))!.toString();
    expect(fresh).toContain(`${second} HEAD`);
    expect(fresh).not.toContain(first);
    // The failure the announcement prevents: the stale view alone still answers the old ref.
    expect((await timestampsAlone.answer(repo, V0))!.toString()).toContain(`${first} HEAD`);
  });

  it('a host whose clock is behind the files caches nothing until they settle by its clock, and answers git’s refs', async () => {
    const behind = answerCache(new RefStates(512, 2000, () => Date.now() - 10_000, host(), attributeCache()));
    const repoRoot = tempDir('gitgate-behind-');
    const { repo, commit } = await repository(repoRoot);
    await behind.answer(repo, V0);
    const second = await commit('second');
    // Its (stale) view of the files is unchanged, but nothing was stored: git answers.
    expect((await behind.answer(repo, V0))!.toString()).toContain(`${second} HEAD`);
    expect(behind.stats).toMatchObject({ fills: 0, hits: 0, unsettled: 2 });
    fs.rmSync(repoRoot, { recursive: true, force: true });
  });

  it('moves every stamp when its subscription is lost: announcements may have been missed meanwhile', async () => {
    const updates = new RefUpdates();
    const subscriber = new Redis(redisUrl!);
    const publisher = new Redis(redisUrl!);
    connections.push(subscriber, publisher);
    connectRefUpdates({ subscriber, publisher, prefix: `${prefix}lost:`, reposDir: root, updates, logger, metrics: createMetrics({ defaultMetrics: false }) });
    const probe = new Redis(redisUrl!);
    connections.push(probe);
    while (((await probe.pubsub('NUMSUB', `${prefix}lost:refs-invalidate`)) as [string, number])[1] < 1) await new Promise((r) => setTimeout(r, 20));
    const before = updates.stamp(path.join(root, 'alice', 'any.git'));
    const closed = new Promise((resolve) => subscriber.once('close', resolve));
    subscriber.disconnect();
    await closed;
    expect(updates.stamp(path.join(root, 'alice', 'any.git'))).not.toBe(before);
  });

  it('forgets every stamp when announcements may have been missed', () => {
    const updates = new RefUpdates();
    const before = [updates.stamp('/r/a.git'), updates.stamp('/r/b.git')];
    updates.changed('/r/a.git');
    expect(updates.stamp('/r/a.git')).not.toBe(before[0]);
    expect(updates.stamp('/r/b.git')).toBe(before[1]);
    updates.forgetAll();
    expect(updates.stamp('/r/b.git')).not.toBe(before[1]);
  });
});

describe.runIf(redisUrl)('a push over HTTP', () => {
  let gw: Gateway;
  afterAll(async () => {
    await gw?.stop();
  });

  it('publishes its repository’s path below the repositories directory, and waits for the acknowledgement', async () => {
    gw = await startGateway('sqlite', { redisUrl: redisUrl! });
    const alice = await gw.createUser('alice');
    const project = await gw.createProject(alice, 'pushed');
    await gw.seedCommit(project);
    const { token } = await gw.createToken(alice, ['write_repository']);
    const listener = new Redis(redisUrl!);
    const acker = new Redis(redisUrl!);
    const prefix = gw.env.GITGATE_REDIS_PREFIX!;
    const heard: string[] = [];
    listener.on('message', (_channel: string, payload: string) => {
      const message = JSON.parse(payload) as { id: string; from: string; digests: string[] };
      heard.push(...message.digests);
      void acker.publish(`${prefix}refs-ack:${message.from}`, message.id);
    });
    await listener.subscribe(`${prefix}refs-invalidate`);

    const work = tempDir('gitgate-announce-work-');
    const url = authUrl(gw.url, 'alice/pushed.git', 'alice', token);
    await gitOk(['clone', '-q', url, work]);
    await gitOk(['-C', work, 'commit', '-q', '--allow-empty', '-m', 'pushed']);
    await gitOk(['-C', work, 'push', '-q', 'origin', 'HEAD:main']);
    // Only the push: neither the clone nor the push's ref advertisement.
    expect(heard).toEqual(['alice/pushed.git']);
    const metrics = await gw.system.metrics.registry.getSingleMetricAsString('gitgate_ref_update_announcements_total');
    expect(metrics).toMatch(/result="acknowledged"} 1/);
    listener.disconnect();
    acker.disconnect();
    fs.rmSync(work, { recursive: true, force: true });
  });
});
