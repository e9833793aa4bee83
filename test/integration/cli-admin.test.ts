/**
 * The administration commands an admin lives with, through the real CLI
 * against a running gateway's database: listing users, projects and
 * members, removing a member, rotating a token, deleting a project, the
 * version — and refusals in the CLI's own words, with status 2.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type Gateway } from '../support/gateway.js';
import { runProcess } from '../support/run-process.js';

const BIN = path.resolve('test/support/gitgate-source');
const VERSION = (JSON.parse(fs.readFileSync('package.json', 'utf8')) as { version: string }).version;

describe('gitgate administration commands', () => {
  let gw: Gateway;
  let env: NodeJS.ProcessEnv;
  const cli = (...args: string[]) => runProcess(BIN, args, { env });
  const apiStatus = async (token: string) => (await fetch(`${gw.url}/api/v4/user`, { headers: { 'PRIVATE-TOKEN': token } })).status;

  beforeAll(async () => {
    gw = await startGateway('sqlite');
    env = { PATH: process.env.PATH, HOME: gw.dataDir, ...gw.env, LOG_LEVEL: 'warn' };
    const alice = await gw.createUser('alice');
    await gw.createUser('bob');
    await gw.createProject(alice, 'site');
  });
  afterAll(() => gw?.stop());

  it('prints its version', async () => {
    expect(await cli('--version')).toMatchObject({ code: 0, stdout: `${VERSION}\n` });
  });

  it('lists users and projects', async () => {
    const users = await cli('user', 'list');
    expect(users.code, users.stderr).toBe(0);
    expect(users.stdout).toMatch(/^ID\tUSERNAME\tNAME\tEMAIL\tSTATE\tADMIN\t2FA\n/);
    expect(users.stdout).toMatch(/\talice\t.*\tactive\tno\toff\n/);
    const projects = await cli('project', 'list');
    expect(projects.code, projects.stderr).toBe(0);
    expect(projects.stdout).toMatch(/\talice\/site\tprivate\t/);
  });

  it('lists, adds and removes members, and says who is not one', async () => {
    expect((await cli('member', 'add', 'alice/site', 'bob', '--access', 'developer')).code).toBe(0);
    expect((await cli('member', 'list', 'alice/site')).stdout).toMatch(/\nbob\tdeveloper\t/);
    expect(await cli('member', 'remove', 'alice/site', 'bob')).toMatchObject({ code: 0, stdout: 'Removed bob from alice/site\n' });
    expect((await cli('member', 'list', 'alice/site')).stdout).not.toContain('bob');
    expect(await cli('member', 'remove', 'alice/site', 'bob')).toMatchObject({ code: 2, stderr: `gitgate: bob is not a member of alice/site (data directory ${gw.dataDir})\n` });
  });

  it('rotates a token: the old one stops, the new one works', async () => {
    const old = await gw.createToken(await gw.system.users.getByUsername('bob'), ['api']);
    const rotated = await cli('token', 'rotate', String(old.id));
    expect(rotated.code, rotated.stderr).toBe(0);
    const [, id, token] = /^id: (\d+)\ntoken: (\S+)\n$/.exec(rotated.stdout) ?? [];
    expect(Number(id)).toBeGreaterThan(old.id);
    expect(await apiStatus(old.token)).toBe(401);
    expect(await apiStatus(token!)).toBe(200);
    // Audited as done by the command line (author 0), from no address.
    const [event] = (await gw.system.audit.list({})).events.filter((e) => e.action === 'personal_access_token_rotated');
    expect(event).toMatchObject({ author: { id: 0, name: '(cli)' }, target: { id: Number(id) }, ipAddress: null, requestId: null });
  });

  it('refuses what does not exist in its own words', async () => {
    expect(await cli('user', 'block', 'nosuch')).toMatchObject({ code: 2, stderr: `gitgate: no user named nosuch (data directory ${gw.dataDir})\n` });
    expect(await cli('token', 'rotate', '999999')).toMatchObject({ code: 2, stderr: `gitgate: no token with id 999999 (data directory ${gw.dataDir})\n` });
    expect(await cli('member', 'list', 'alice/nothing')).toMatchObject({ code: 2, stderr: `gitgate: no project alice/nothing (data directory ${gw.dataDir})\n` });
  });

  it('deletes a project and its repository only with --yes', async () => {
    const repo = path.join(gw.system.repos.root, 'alice', 'site.git');
    expect(fs.existsSync(repo)).toBe(true);
    const unconfirmed = await cli('project', 'delete', 'alice/site');
    expect(unconfirmed).toMatchObject({ code: 2, stderr: expect.stringContaining('add --yes') });
    expect(fs.existsSync(repo)).toBe(true);
    expect(await cli('project', 'delete', 'alice/site', '--yes')).toMatchObject({ code: 0, stdout: 'Deleted project alice/site and its repository\n' });
    expect(fs.existsSync(repo)).toBe(false);
    expect(await cli('project', 'delete', 'alice/site', '--yes')).toMatchObject({ code: 2, stderr: `gitgate: no project alice/site (data directory ${gw.dataDir})\n` });
  });
});
