/**
 * Secret push protection (issue 17) with the real git client over HTTP and
 * SSH, on every database of the run, a real SMTP server on loopback: a push
 * bringing a live token of this gitgate is refused before any ref moves,
 * git shows the commit and path (never the token), the token is revoked,
 * its owner mailed, the leak audited; strings that are no live token pass;
 * `-o secret_push_protection.skip_all` passes and is audited.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Project } from '../../src/projects/project.js';
import { TokenCodec } from '../../src/tokens/token-codec.js';
import { MAX_LOOKUPS_PER_PUSH } from '../../src/tokens/token-leak-guard.js';
import type { User } from '../../src/users/user.js';
import { addDays, utcDate } from '../../src/lib/dates.js';
import { databaseKinds } from '../support/databases.js';
import { startGateway, type Gateway } from '../support/gateway.js';
import { authUrl, git, gitOk, tempDir } from '../support/git-cli.js';
import { startSmtpServer, type TestSmtpServer } from '../support/smtp.js';
import { gitSsh, sshToolsInstalled, sshUrl } from '../ssh/ssh-client.js';

const ADMIN = { id: 0, username: '(test)', isAdmin: true };

describe.each(databaseKinds())('secret push protection on %s', (kind) => {
  let smtp: TestSmtpServer;
  let gw: Gateway;
  let alice: User, bob: User;
  let repo: Project;
  let pusher: string;

  beforeAll(async () => {
    smtp = await startSmtpServer();
    gw = await startGateway(kind, { ssh: sshToolsInstalled(), env: { GITGATE_SMTP_URL: smtp.url, GITGATE_EMAIL_FROM: 'gitgate@example.test' } });
    alice = await gw.createUser('alice');
    bob = await gw.system.users.create({ username: 'bob', email: 'bob@example.test', password: 'correct-horse-battery' });
    repo = await gw.createProject(alice, 'app');
    await gw.seedCommit(repo);
    pusher = (await gw.createToken(alice, ['write_repository'], { name: 'pusher' })).token;
  });
  afterAll(async () => {
    await gw?.stop();
    await smtp?.stop();
  });

  const remote = () => authUrl(gw.url, 'alice/app.git', 'alice', pusher);
  const serverRefs = async () => gitOk(['--git-dir', gw.repoPath(repo), 'for-each-ref', '--format=%(refname) %(objectname)']);
  const serverHas = async (object: string) => (await git(['--git-dir', gw.repoPath(repo), 'cat-file', '-e', object])).code === 0;
  const tokenWorks = async (token: string) => (await git(['ls-remote', authUrl(gw.url, 'alice/app.git', 'bob', token)])).code === 0;

  /** A clone of the repository with commits adding `files` (one commit per entry). */
  async function workTree(...files: Array<Record<string, string>>): Promise<{ dir: string; commits: string[] }> {
    const dir = tempDir();
    await gitOk(['clone', '-q', gw.repoPath(repo), dir]);
    const commits: string[] = [];
    for (const set of files) {
      for (const [name, content] of Object.entries(set)) {
        fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
        fs.writeFileSync(path.join(dir, name), content);
      }
      await gitOk(['-C', dir, 'add', '.']);
      await gitOk(['-C', dir, 'commit', '-q', '-m', `add ${Object.keys(set).join(', ')}`]);
      commits.push((await gitOk(['-C', dir, 'rev-parse', 'HEAD'])).trim());
    }
    return { dir, commits };
  }

  it('refuses a push bringing a live token, shows where, revokes it, mails its owner and audits the leak', async () => {
    await gw.addMember(repo, bob, 'reporter');
    const leaked = await gw.createToken(bob, ['read_repository'], { name: 'bobs-ci' });
    expect(await tokenWorks(leaked.token)).toBe(true);
    const before = await serverRefs();
    const { dir, commits } = await workTree({ 'docs/readme.md': 'hello\n' }, { 'deploy/ci.env': `A=1\nB=2\nGITLAB_TOKEN=${leaked.token}\n` }, { 'x.txt': 'later\n' });
    const r = await git(['-C', dir, 'push', remote(), 'HEAD:refs/heads/main', 'HEAD:refs/heads/feature']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('remote: gitgate: PUSH BLOCKED: personal access tokens of this server found in the pushed commits');
    expect(r.stderr).toContain(`remote: gitgate: Secret push protection found the following tokens in commit: ${commits[1]}`);
    expect(r.stderr).toContain('remote: gitgate: -- deploy/ci.env:3 personal access token');
    expect(r.stderr).toContain(`! [remote rejected] HEAD -> main (push blocked: a token was found in ${commits[1]!.slice(0, 12)}:deploy/ci.env)`);
    expect(r.stderr).not.toContain(leaked.token);
    // Nothing moved, nothing was kept.
    expect(await serverRefs()).toBe(before);
    for (const c of commits) expect(await serverHas(c)).toBe(false);
    // Revoked everywhere at once, owner mailed, leak audited.
    expect(await tokenWorks(leaked.token)).toBe(false);
    expect((await gw.system.tokens.get(ADMIN, leaked.id)).revoked).toBe(true);
    await gw.system.notifications!.sweep();
    const mail = smtp.received.find((m) => m.to.includes('bob@example.test') && m.subject.includes('bobs-ci'));
    expect(mail?.text).toContain(`in project alice/app, commit ${commits[1]}, file deploy/ci.env`);
    expect(mail?.raw).not.toContain(leaked.token);
    await gw.system.audit.flush();
    const { events } = await gw.system.audit.list({ entityType: 'User', entityId: bob.id });
    const event = events.find((e) => e.action === 'personal_access_token_leaked');
    expect(event).toMatchObject({ author: { id: alice.id, name: 'alice' }, target: { id: leaked.id, details: 'bobs-ci' } });
    expect(event!.details).toMatchObject({ project: 'alice/app', commit: commits[1], path: 'deploy/ci.env' });
    expect(JSON.stringify(events)).not.toContain(leaked.token);
    expect(gw.logs.join('\n')).not.toContain(leaked.token);
    // The token is dead now: the same push passes.
    const again = await git(['-C', dir, 'push', remote(), 'HEAD:refs/heads/main']);
    expect(again.code, again.stderr).toBe(0);
  });

  it('lets through what is no live token: bad checksum, unknown, revoked, expired, another prefix', async () => {
    const codec = new TokenCodec('glpat-', Buffer.alloc(32));
    const unknown = codec.generate();
    const revoked = await gw.createToken(alice, ['api'], { name: 'old' });
    await gw.system.tokens.revoke(ADMIN, revoked.id);
    const expired = await gw.createToken(alice, ['api'], { name: 'expired', expiresAt: addDays(utcDate(gw.clock.now()), 1) });
    gw.clock.set(new Date(gw.clock.now().getTime() + 2 * 86_400_000));
    try {
      const live = (await gw.createToken(alice, ['api'])).token;
      const badChecksum = `${live.slice(0, -1)}${live.endsWith('A') ? 'B' : 'A'}`;
      const content = [unknown, revoked.token, expired.token, badChecksum, live.replace('glpat-', 'ghpat-'), 'glpat-short'].join('\n');
      const { dir } = await workTree({ 'fixtures/tokens.txt': content });
      const r = await git(['-C', dir, 'push', remote(), 'HEAD:refs/heads/fixtures']);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).not.toContain('PUSH BLOCKED');
    } finally {
      gw.clock.set(new Date());
    }
  });

  it('scans only objects new to the repository, and not blobs over 1 MiB', async () => {
    const live = await gw.createToken(alice, ['api'], { name: 'big' });
    const big = `${'x'.repeat(1024 * 1024)}\n${live.token}\n`;
    const { dir } = await workTree({ 'big.bin': big });
    const r = await git(['-C', dir, 'push', remote(), 'HEAD:refs/heads/big']);
    expect(r.code, r.stderr).toBe(0);
    expect(await tokenWorks(live.token)).toBe(true);
  });

  it('`git push -o secret_push_protection.skip_all` pushes anyway and is audited; the token stays live', async () => {
    const live = await gw.createToken(alice, ['api'], { name: 'kept' });
    const { dir, commits } = await workTree({ 'kept.env': `TOKEN=${live.token}\n` });
    const r = await git(['-C', dir, 'push', '-o', 'secret_push_protection.skip_all', remote(), 'HEAD:refs/heads/skipped']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('remote: gitgate: secret push protection skipped for this push (secret_push_protection.skip_all); this is recorded in the audit log');
    expect(await serverHas(commits[0]!)).toBe(true);
    expect(await tokenWorks(live.token)).toBe(true);
    await gw.system.audit.flush();
    const { events } = await gw.system.audit.list({ entityType: 'Project', entityId: repo.id });
    expect(events.find((e) => e.action === 'secret_push_protection_skipped')).toMatchObject({ author: { id: alice.id }, entity: { path: 'alice/app' }, ipAddress: '127.0.0.1' });
    // Already in the repository: a later push reusing that blob is not refused for it.
    await gitOk(['-C', dir, 'commit', '-q', '--allow-empty', '-m', 'more']);
    const later = await git(['-C', dir, 'push', remote(), 'HEAD:refs/heads/skipped']);
    expect(later.code, later.stderr).toBe(0);
  });

  it('refuses a push with more well-formed token strings than it looks up, unscanned', async () => {
    const codec = new TokenCodec('glpat-', Buffer.alloc(32));
    const forged = Array.from({ length: MAX_LOOKUPS_PER_PUSH + 1 }, () => codec.generate()).join('\n');
    const { dir } = await workTree({ 'many.txt': forged });
    const r = await git(['-C', dir, 'push', remote(), 'HEAD:refs/heads/many']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(`strings shaped like tokens of this server; at most ${MAX_LOOKUPS_PER_PUSH} are checked`);
  });

  describe.runIf(sshToolsInstalled())('over SSH', () => {
    it('refuses and revokes the same way', async () => {
      const leaked = await gw.createToken(alice, ['api'], { name: 'ssh-leak' });
      const { dir, commits } = await workTree({ 'app.cfg': `token: ${leaked.token}\n` });
      const url = sshUrl(gw.sshPort!, 'alice', 'alice/app.git');
      const r = await gitSsh(gw.sshPort!, { secret: pusher, method: 'password' }, ['-C', dir, 'push', url, 'HEAD:refs/heads/ssh']);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toContain(`(push blocked: a token was found in ${commits[0]!.slice(0, 12)}:app.cfg)`);
      expect(r.stderr).toContain('remote: gitgate: -- app.cfg:1 personal access token');
      expect(r.stderr).not.toContain(leaked.token);
      expect((await gw.system.tokens.get(ADMIN, leaked.id)).revoked).toBe(true);
    });
  });
});

describe('secret push protection turned off (GITGATE_SECRET_PUSH_PROTECTION=false)', () => {
  let gw: Gateway;
  beforeAll(async () => {
    gw = await startGateway('sqlite', { env: { GITGATE_SECRET_PUSH_PROTECTION: 'false' } });
  });
  afterAll(() => gw?.stop());

  it('pushes a live token unscanned, and advertises no push options', async () => {
    const alice = await gw.createUser('alice');
    const repo = await gw.createProject(alice, 'app');
    await gw.seedCommit(repo);
    const { token } = await gw.createToken(alice, ['api']);
    const dir = tempDir();
    await gitOk(['clone', '-q', gw.repoPath(repo), dir]);
    fs.writeFileSync(path.join(dir, 'token.txt'), `${token}\n`);
    await gitOk(['-C', dir, 'add', '.']);
    await gitOk(['-C', dir, 'commit', '-q', '-m', 'token']);
    const remote = authUrl(gw.url, 'alice/app.git', 'alice', token);
    const r = await git(['-C', dir, 'push', remote, 'HEAD:refs/heads/main']);
    expect(r.code, r.stderr).toBe(0);
    expect((await git(['-C', dir, 'push', '-o', 'secret_push_protection.skip_all', remote, 'HEAD:refs/heads/other'])).stderr).toContain('does not support push options');
  });
});
