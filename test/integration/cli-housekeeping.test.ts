/**
 * `gitgate project housekeeping NAMESPACE/NAME` through the real CLI
 * against a running gateway's database, on both databases: it repacks the
 * repository now and says what it did; a repository another instance is
 * keeping, or a project that does not exist, is refused with status 2.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectLease } from '../../src/housekeeping/housekeeping-leases.js';
import type { Project } from '../../src/projects/project.js';
import { SQLITE_FILE } from '../../src/setup/private-data.js';
import { openStores, type Stores } from '../../src/storage/stores.js';
import { databaseKinds } from '../support/databases.js';
import { startGateway, type Gateway } from '../support/gateway.js';
import { gitOk, tempDir } from '../support/git-cli.js';
import { runProcess } from '../support/run-process.js';

const BIN = path.resolve('test/support/gitgate-source');

describe.each(databaseKinds())('gitgate project housekeeping on %s', (kind) => {
  let gw: Gateway;
  let env: NodeJS.ProcessEnv;
  let project: Project;
  let other: Stores;
  const cli = (...args: string[]) => runProcess(BIN, args, { env });

  beforeAll(async () => {
    gw = await startGateway(kind);
    env = { PATH: process.env.PATH, HOME: gw.dataDir, ...gw.env, LOG_LEVEL: 'warn' };
    const alice = await gw.createUser('alice');
    project = await gw.createProject(alice, 'site');
    await gw.seedCommit(project);
    // Two more pushes straight to disk: loose objects and a second branch.
    const work = tempDir('gitgate-hk-cli-');
    await gitOk(['clone', '-q', gw.repoPath(project), work]);
    for (const file of ['a.txt', 'b.txt']) {
      fs.writeFileSync(path.join(work, file), `${file}\n`);
      await gitOk(['-C', work, 'add', file]);
      await gitOk(['-C', work, 'commit', '-q', '-m', file]);
      await gitOk(['-C', work, 'push', '-q', 'origin', 'HEAD:main', `HEAD:refs/heads/${file}`]);
    }
    fs.rmSync(work, { recursive: true, force: true });
    const { databaseUrl } = gw.system.config;
    other = await openStores(databaseUrl ? { kind: 'postgres', url: databaseUrl } : { kind: 'sqlite', path: path.join(gw.dataDir, SQLITE_FILE) });
  });
  afterAll(async () => {
    await other?.close();
    await gw?.stop();
  });

  it('repacks the repository now and says what it did', async () => {
    const run = await cli('project', 'housekeeping', 'alice/site');
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^Housekept alice\/site: \d+ packs?, [1-9]\d* loose objects? → 1 pack, 0 loose objects in \d+\.\d s\n$/);
    const pack = path.join(gw.repoPath(project), 'objects', 'pack');
    expect(fs.readdirSync(pack).some((n) => n.endsWith('.bitmap'))).toBe(true);
    await gitOk(['-C', gw.repoPath(project), 'fsck', '--no-progress']);
    expect(await gw.system.housekeeping.state({ id: 0, username: '(test)', isAdmin: true }, project.id)).toMatchObject({ lastFullAt: expect.any(Date) });
  });

  it('refuses, with status 2, a repository another instance is keeping and a project that does not exist', async () => {
    const now = new Date();
    await other.leases.acquire(projectLease(project.id), 'elsewhere', now, new Date(now.getTime() + 600_000));
    try {
      const busy = await cli('project', 'housekeeping', 'alice/site');
      expect(busy.code).toBe(2);
      expect(busy.stderr).toMatch(/housekeeping of alice\/site is running elsewhere/);
    } finally {
      await other.leases.release(projectLease(project.id), 'elsewhere');
    }
    const missing = await cli('project', 'housekeeping', 'alice/nope');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/404 Project/);
  });
});
