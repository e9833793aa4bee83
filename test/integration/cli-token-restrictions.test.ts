/**
 * `gitgate token create` with the restriction flags (issue 16), through the
 * real CLI against a running gateway's database, on every database of the
 * run: what is stored, as `token list` shows it in its LIMITS column, that
 * git keeps to it, and each flag's refusal naming its field, with status 2.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Project } from '../../src/projects/project.js';
import { databaseKinds } from '../support/databases.js';
import { startGateway, type Gateway } from '../support/gateway.js';
import { authUrl, git } from '../support/git-cli.js';
import { runProcess } from '../support/run-process.js';

const BIN = path.resolve('test/support/gitgate-source');

describe.each(databaseKinds())('gitgate token create with restrictions on %s', (kind) => {
  let gw: Gateway;
  let env: NodeJS.ProcessEnv;
  let site: Project, other: Project;
  const cli = (...args: string[]) => runProcess(BIN, args, { env });
  const create = (name: string, ...flags: string[]) =>
    cli('token', 'create', '--user', 'alice', '--name', name, '--scopes', 'read_repository', ...flags);
  /** The LIMITS column of `token list`, by token id. */
  const listedLimits = async (): Promise<Map<string, string | undefined>> => {
    const listed = await cli('token', 'list', '--user', 'alice');
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).toMatch(/^ID\tNAME\tSCOPES\tSTATE\tEXPIRES\tLAST USED\tLIMITS\n/);
    return new Map(listed.stdout.trim().split('\n').slice(1).map((line) => [line.split('\t')[0]!, line.split('\t')[6]]));
  };
  const idOf = (stdout: string): string => /^id: (\d+)$/m.exec(stdout)?.[1] ?? '';

  beforeAll(async () => {
    gw = await startGateway(kind);
    env = { PATH: process.env.PATH, HOME: gw.dataDir, ...gw.env, LOG_LEVEL: 'warn' };
    const alice = await gw.createUser('alice');
    const bob = await gw.createUser('bob');
    site = await gw.createProject(alice, 'site');
    other = await gw.createProject(alice, 'other');
    await gw.createProject(bob, 'docs');
    await Promise.all([site, other].map((p) => gw.seedCommit(p)));
  });
  afterAll(() => gw?.stop());

  it('stores every limit the flags give, shows them in LIMITS, and git keeps to them', async () => {
    const created = await create(
      'bot',
      '--projects', `alice/site,${other.id}`,
      '--namespaces', 'Bob',
      '--allowed-ips', '127.0.0.1, 10.0.0.0/8',
      '--push-refs', 'refs/heads/bot/*,refs/tags/v*',
      '--no-force-push',
      '--no-ref-deletion',
    );
    expect(created.code, created.stderr).toBe(0);
    const token = /^token: (glpat-\S+)$/m.exec(created.stdout)?.[1];
    expect((await listedLimits()).get(idOf(created.stdout))).toBe(
      `projects=${site.id},${other.id};namespaces=bob;ips=127.0.0.1,10.0.0.0/8;push=refs/heads/bot/*,refs/tags/v*;no-force-push;no-ref-deletion`,
    );
    const lsRemote = (p: string) => git(['ls-remote', authUrl(gw.url, `${p}.git`, 'alice', token!)]);
    expect((await lsRemote('alice/site')).code).toBe(0);
    expect((await lsRemote('alice/other')).code).toBe(0);
  });

  it('--allowed-ips alone limits only the addresses, and git from elsewhere is told why', async () => {
    const onlyIps = await create('office', '--allowed-ips', '192.0.2.0/24');
    expect(onlyIps.code, onlyIps.stderr).toBe(0);
    expect((await listedLimits()).get(idOf(onlyIps.stdout))).toBe('ips=192.0.2.0/24');
    const token = /^token: (\S+)$/m.exec(onlyIps.stdout)?.[1];
    const refused = await git(['ls-remote', authUrl(gw.url, 'alice/site.git', 'alice', token!)]);
    expect(refused.stderr).toContain('This token may not be used from 127.0.0.1.');
  });

  it('a switch alone limits only that; a token without flags shows none', async () => {
    const onlySwitch = await create('careful', '--no-force-push');
    const plain = await create('plain');
    const limits = await listedLimits();
    expect(limits.get(idOf(onlySwitch.stdout))).toBe('no-force-push');
    expect(limits.get(idOf(plain.stdout))).toBe('-');
  });

  it.each([
    ['an unknown project', ['--projects', 'alice/site,alice/nope'], 'projects does not have a valid value: project alice/nope not found'],
    ["another user's private project", ['--projects', 'bob/docs'], 'projects does not have a valid value: project bob/docs not found'],
    ['a namespace that is not a path', ['--namespaces', 'a/b'], 'namespaces does not have a valid value: a/b'],
    ['an empty list', ['--namespaces', ' , '], 'namespaces is empty; leave it out to allow every value'],
    ['an address that is none', ['--allowed-ips', '10.0.0.0/33'], 'allowed_ips does not have a valid value: 10.0.0.0/33 is not an address or CIDR'],
    ['a ref pattern outside refs/', ['--push-refs', 'main'], 'push_refs does not have a valid value: main is not a ref pattern under refs/'],
  ])('refuses %s with a message naming the field and stores nothing', async (_what, flags, message) => {
    const name = `refused ${flags.join(' ')}`;
    expect(await create(name, ...flags)).toMatchObject({ code: 2, stdout: '', stderr: `gitgate: ${message}\n` });
    const { tokens } = await gw.system.tokens.list({ id: 0, username: '(test)', isAdmin: true }, {});
    expect(tokens.map((t) => t.name)).not.toContain(name);
  });
});
