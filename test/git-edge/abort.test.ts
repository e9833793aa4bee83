import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import {
  clientEnv,
  commitFile,
  git,
  gitOk,
  pkt,
  processesLeftUnder,
  refsOf,
  repoUrl,
  request,
  seedRepo,
  spawnGit,
  startGitEdge,
  statelessRpcChildren,
  workTree,
  type GitEdge,
} from './harness.js';

const edges: GitEdge[] = [];
afterEach(async () => {
  for (const edge of edges.splice(0)) await edge.close();
});

async function edgeWithRepo(options: Parameters<typeof startGitEdge>[0] = {}, bigBytes = 0) {
  const edge = await startGitEdge(options);
  edges.push(edge);
  const work = await workTree(edge.base, 'work', 1);
  if (bigBytes) await commitFile(work, 'big.bin', randomBytes(bigBytes));
  const repoPath = await seedRepo(edge, 'alice', 'demo', work);
  await gitOk(['repack', '-adq'], repoPath);
  edge.authorizer.accounts.set('writer', { password: 'glpat-w', kind: 'token', access: { 'alice/demo': 'write' } });
  return { edge, work, repoPath };
}

/** Resolves when `name` exists in `dir` (an fs event, not a sleep). */
function fileAppears(dir: string, match: (name: string) => boolean): Promise<void> {
  return new Promise((resolve) => {
    const watcher = fs.watch(dir, (_event, name) => {
      if (name && match(name)) {
        watcher.close();
        resolve();
      }
    });
    if (fs.readdirSync(dir).some(match)) {
      watcher.close();
      resolve();
    }
  });
}

/** A pre-receive hook that signals through `marker`, then blocks until killed. */
function blockingHook(repoPath: string, marker: string): void {
  fs.writeFileSync(path.join(repoPath, 'hooks', 'pre-receive'), `#!/bin/sh\ncat >/dev/null\n: > '${marker}'\nexec sleep 600\n`, {
    mode: 0o755,
  });
}

/**
 * After an interrupted exchange: no git left running, refs as before, a sound
 * repository. With `quarantineGone`, also no incoming-objects directory (git
 * removes it on SIGTERM while receiving a pack, but not — as of git 2.39 —
 * when it is killed while waiting for a pre-receive hook).
 */
async function expectCleanAfterwards(edge: GitEdge, repoPath: string, refs: string, quarantineGone = false): Promise<void> {
  await edge.operations.idle();
  expect(statelessRpcChildren()).toEqual([]);
  expect(await processesLeftUnder(edge.reposRoot)).toEqual([]);
  expect(await refsOf(repoPath)).toBe(refs);
  await gitOk(['fsck', '--no-progress', '--no-dangling'], repoPath);
  if (!quarantineGone) return;
  expect(fs.readdirSync(path.join(repoPath, 'objects')).filter((n) => n.includes('incoming'))).toEqual([]);
}

const basicHeader = { Authorization: `Basic ${Buffer.from('writer:glpat-w').toString('base64')}` };

describe('client going away', () => {
  it('stops upload-pack when a clone is aborted mid-stream', async () => {
    const { edge, repoPath } = await edgeWithRepo({}, 24 * 1024 * 1024);
    const refs = await refsOf(repoPath);
    const want = await gitOk(['rev-parse', 'main'], repoPath);
    const body = pkt(`want ${want} multi_ack_detailed side-band-64k ofs-delta\n`) + '0000' + pkt('done\n');
    const req = http.request(`${edge.url}/alice/demo.git/git-upload-pack`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-git-upload-pack-request', ...basicHeader },
      agent: false,
    });
    req.on('error', () => undefined);
    req.end(body);
    const [res] = (await once(req, 'response')) as [http.IncomingMessage];
    expect(res.statusCode).toBe(200);
    res.on('error', () => undefined);
    await once(res, 'data');
    req.destroy();
    await expectCleanAfterwards(edge, repoPath, refs);
    expect(edge.logs.some((l) => l.msg === 'git client went away; git stopped' && l.gitService === 'git-upload-pack')).toBe(true);
  });

  it('stops receive-pack when a push body is cut mid-pack; refs stay and the quarantine is gone', async () => {
    const { edge, work, repoPath } = await edgeWithRepo();
    const refs = await refsOf(repoPath);
    const old = await gitOk(['rev-parse', 'main'], work);
    const next = await commitFile(work, 'big.bin', randomBytes(8 * 1024 * 1024));
    const pack = execFileSync('git', ['pack-objects', '--stdout', '--revs', '-q'], {
      cwd: work,
      env: clientEnv(),
      input: `${next}\n^${old}\n`,
      maxBuffer: 64 * 1024 * 1024,
    });
    const req = http.request(`${edge.url}/alice/demo/git-receive-pack`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-git-receive-pack-request', ...basicHeader },
      agent: false,
    });
    req.on('error', () => undefined);
    const quarantine = fileAppears(path.join(repoPath, 'objects'), (n) => n.includes('incoming'));
    req.write(pkt(`${old} ${next} refs/heads/main\0report-status side-band-64k\n`) + '0000');
    req.write(pack.subarray(0, pack.length / 2));
    await quarantine;
    req.destroy();
    await expectCleanAfterwards(edge, repoPath, refs, true);
  });

  it('stops receive-pack and its hook when the git client is killed before the answer', async () => {
    const { edge, work, repoPath } = await edgeWithRepo();
    const refs = await refsOf(repoPath);
    const marker = path.join(edge.base, 'hook-started');
    blockingHook(repoPath, marker);
    await commitFile(work, 'killed.txt', 'killed push\n');
    const client = spawnGit(['push', repoUrl(edge, 'alice/demo.git', 'writer', 'glpat-w'), 'main'], work);
    const closed = once(client, 'close');
    await fileAppears(edge.base, (n) => n === 'hook-started');
    process.kill(-client.pid!, 'SIGKILL');
    await closed;
    await expectCleanAfterwards(edge, repoPath, refs);
  });
});

describe('timeouts', () => {
  it('idle timeout answers 408 and stops git when the request body stalls', async () => {
    const { edge, repoPath } = await edgeWithRepo({ idleTimeoutMs: 300 });
    const refs = await refsOf(repoPath);
    const want = await gitOk(['rev-parse', 'main'], repoPath);
    const req = http.request(`${edge.url}/alice/demo.git/git-upload-pack`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-git-upload-pack-request', ...basicHeader },
      agent: false,
    });
    req.on('error', () => undefined);
    req.write(pkt(`want ${want} side-band-64k\n`));
    const [res] = (await once(req, 'response')) as [http.IncomingMessage];
    expect(res.statusCode).toBe(408);
    await expectCleanAfterwards(edge, repoPath, refs);
    expect(edge.logs.some((l) => l.reason === 'idle-timeout')).toBe(true);
  });

  it('total timeout stops a push whose hook hangs; refs stay', async () => {
    const { edge, work, repoPath } = await edgeWithRepo({ timeoutMs: 1500 });
    const refs = await refsOf(repoPath);
    blockingHook(repoPath, path.join(edge.base, 'hook-started'));
    await commitFile(work, 'slow.txt', 'slow\n');
    const r = await git(['push', repoUrl(edge, 'alice/demo.git', 'writer', 'glpat-w'), 'main'], work);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/503/);
    await expectCleanAfterwards(edge, repoPath, refs);
    expect(edge.logs.some((l) => l.reason === 'timeout')).toBe(true);
  });
});

describe('shutdown', () => {
  it('drain waits, then terminates what is left and refuses new operations', async () => {
    const { edge, work, repoPath } = await edgeWithRepo();
    const refs = await refsOf(repoPath);
    blockingHook(repoPath, path.join(edge.base, 'hook-started'));
    await commitFile(work, 'late.txt', 'late\n');
    const push = git(['push', repoUrl(edge, 'alice/demo.git', 'writer', 'glpat-w'), 'main'], work);
    await fileAppears(edge.base, (n) => n === 'hook-started');
    expect(edge.operations.active).toBe(1);
    await edge.operations.drain(200);
    expect(edge.operations.active).toBe(0);
    expect((await push).code).not.toBe(0);
    const res = await request(edge, 'GET', '/alice/demo.git/info/refs?service=git-upload-pack', { headers: basicHeader });
    expect(res.status).toBe(503);
    await expectCleanAfterwards(edge, repoPath, refs);
  });
});
