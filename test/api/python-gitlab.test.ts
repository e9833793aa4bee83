/**
 * A real GitLab client against the running gateway: python-gitlab (Debian's
 * python3-gitlab, run with /usr/bin/python3) creates a user, a project, a
 * member and tokens (restricted ones too, and one a token mints for itself),
 * lists, rotates and deletes them, reads the instance version and a
 * repository's clone URLs, default branch, branches and tags; then the real
 * git client clones and pushes with the tokens it made, is held to a
 * restricted token's ref patterns, and is refused with the rotated and
 * deleted ones and with the child of a rotated token.
 */
import { spawnSync } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PACKAGE_VERSION } from '../../src/lib/package-version.js';
import { runProcess, type ProcessResult } from '../support/run-process.js';
import { databaseKinds } from '../support/databases.js';
import { startGateway, type Gateway } from '../support/gateway.js';
import { git, gitOk, tempDir } from '../support/git-cli.js';

const PYTHON = '/usr/bin/python3';
const SCRIPT = path.join(path.dirname(fileURLToPath(import.meta.url)), 'python-gitlab-e2e.py');
const available = spawnSync(PYTHON, ['-c', 'import gitlab'], { stdio: 'ignore' }).status === 0;
if (!available) console.warn(`python-gitlab is not importable by ${PYTHON}: apt-get install python3-gitlab`);

interface ScriptOutput {
  http_url_to_repo: string;
  rotated_token: string;
  old_token: string;
  deleted_token: string;
  /** Minted by dev's `ci` token through POST /user/personal_access_tokens, before `ci` was rotated. */
  child_token: string;
  /** Limited to root/demo-project and refs/heads/bot/* (and more), rotated once. */
  restricted_token: string;
  version: [string, string];
}

/** A port nobody listens on right now, so the external URL can name it before the server starts. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
    probe.on('error', reject);
  });
}

function runPython(env: Record<string, string>): Promise<ProcessResult> {
  return runProcess(PYTHON, ['-W', 'error', SCRIPT], { env: { PATH: process.env.PATH, ...env } });
}

const withCredentials = (repoUrl: string, secret: string): string => {
  const u = new URL(repoUrl);
  u.username = 'oauth2';
  u.password = secret;
  return u.toString();
};

// Under CI the suite always runs (a missing package fails it); elsewhere it is skipped with the warning above.
describe.skipIf(!available && process.env.CI !== 'true').each(databaseKinds())('python-gitlab against gitgate on %s', (kind) => {
  let gw: Gateway;

  beforeAll(async () => {
    const port = await freePort();
    gw = await startGateway(kind, { port, ssh: true, env: { GITGATE_EXTERNAL_URL: `http://127.0.0.1:${port}` } });
  });
  afterAll(() => gw?.stop());

  it('manages users, projects, members and tokens, and git honours the tokens it made', async () => {
    const root = await gw.createUser('root', { admin: true });
    const { token } = await gw.createToken(root, ['api', 'sudo']);
    const tools = await gw.createProject(root, 'tools');
    await gw.seedCommit(tools);
    const bare = gw.repoPath(tools);
    const work = tempDir();
    await gitOk(['clone', '-q', bare, work]);
    await gitOk(['-C', work, 'checkout', '-q', '-b', 'feature/x']);
    await gitOk(['-C', work, 'commit', '-q', '--allow-empty', '-m', 'feature work']);
    await gitOk(['-C', work, 'push', '-q', 'origin', 'feature/x']);
    await gitOk(['--git-dir', bare, 'tag', '-a', '-m', 'First release', 'v1.0', 'main']);
    const featureSha = (await gitOk(['--git-dir', bare, 'rev-parse', 'feature/x'])).trim();
    const run = await runPython({
      GITGATE_URL: gw.url,
      GITGATE_TOKEN: token,
      GITGATE_REFS_PROJECT: 'root/tools',
      GITGATE_FEATURE_SHA: featureSha,
      GITGATE_SSH_URL: `ssh://git@127.0.0.1:${gw.sshPort}/root/tools.git`,
    });
    expect(run.code, `python-gitlab script failed:\n${run.stderr}`).toBe(0);
    const out = JSON.parse(run.stdout) as ScriptOutput;
    expect(out.http_url_to_repo).toBe(`${gw.url}/root/demo-project.git`);
    expect(out.version).toEqual(['17.0.0-gitgate', `gitgate-${PACKAGE_VERSION}`]);

    const clone = tempDir();
    const cloned = await git(['clone', '-q', withCredentials(out.http_url_to_repo, out.rotated_token), clone]);
    expect(cloned.code, cloned.stderr).toBe(0);
    await gitOk(['-C', clone, 'commit', '-q', '--allow-empty', '-m', 'first commit by dev']);
    const pushed = await git(['-C', clone, 'push', '-q', 'origin', 'HEAD:refs/heads/main']);
    expect(pushed.code, pushed.stderr).toBe(0);
    const demo = path.join(gw.system.config.reposDir, 'root', 'demo-project.git');
    expect(await gitOk(['--git-dir', demo, 'log', '--format=%s', 'main'])).toBe('first commit by dev\n');

    const limited = tempDir();
    const clonedLimited = await git(['clone', '-q', withCredentials(out.http_url_to_repo, out.restricted_token), limited]);
    expect(clonedLimited.code, clonedLimited.stderr).toBe(0);
    await gitOk(['-C', limited, 'commit', '-q', '--allow-empty', '-m', 'by the deploy token']);
    const toMain = await git(['-C', limited, 'push', 'origin', 'HEAD:refs/heads/main']);
    expect(toMain.code).not.toBe(0);
    expect(toMain.stderr).toContain('refs/heads/main: this token may push only to refs/heads/bot/*, refs/tags/v*');
    const toBot = await git(['-C', limited, 'push', '-q', 'origin', 'HEAD:refs/heads/bot/deploy']);
    expect(toBot.code, toBot.stderr).toBe(0);

    for (const refused of [out.deleted_token, out.old_token, out.child_token]) {
      const r = await git(['ls-remote', withCredentials(out.http_url_to_repo, refused)]);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toMatch(/Authentication failed|401/);
    }
  });
});
