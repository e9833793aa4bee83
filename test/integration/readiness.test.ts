/**
 * `/-/readiness` answers 200 only when the instance has what it needs —
 * the database, a usable git, and Redis when REDIS_URL is set — and names
 * each check, as GitLab's `<name>_check` entries do.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startGateway, type Gateway } from '../support/gateway.js';
import { tempDir } from '../support/git-cli.js';
import { closedPort } from '../support/serve-process.js';

const ok = [{ status: 'ok' }];
const failed = [{ status: 'failed' }];

async function readiness(gw: Gateway): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${gw.url}/-/readiness`);
  return { status: res.status, body: await res.json() };
}

describe('/-/readiness', () => {
  let gw: Gateway | undefined;
  afterEach(async () => {
    await gw?.stop();
    gw = undefined;
  });

  it('is ready with the database and git, and says so per check', async () => {
    gw = await startGateway('sqlite');
    expect(await readiness(gw)).toEqual({ status: 200, body: { status: 'ok', master_check: ok, db_check: ok, git_check: ok } });
  });

  it('is not ready while the configured Redis does not answer', async () => {
    gw = await startGateway('sqlite', { redisUrl: `redis://127.0.0.1:${await closedPort()}` });
    expect(await readiness(gw)).toEqual({ status: 503, body: { status: 'failed', master_check: failed, db_check: ok, git_check: ok, redis_check: failed } });
    expect(gw.logs.some((line) => line.includes('readiness check failed') && line.includes('"redis"'))).toBe(true);
  });

  it('is not ready once git is gone, and ready again when it is back', async () => {
    const dir = tempDir('gitgate-ready-git-');
    const git = path.join(dir, 'git');
    const install = () => fs.writeFileSync(git, '#!/bin/sh\necho "git version 2.45.0"\n', { mode: 0o755 });
    install();
    try {
      gw = await startGateway('sqlite', { env: { GITGATE_GIT_BIN: git } });
      expect((await readiness(gw)).status).toBe(200);
      fs.rmSync(git);
      expect(await readiness(gw)).toEqual({ status: 503, body: { status: 'failed', master_check: failed, db_check: ok, git_check: failed } });
      install();
      expect((await readiness(gw)).status).toBe(200);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
