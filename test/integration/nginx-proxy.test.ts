/**
 * README "Behind a reverse proxy (nginx) and TLS": a real nginx runs
 * deploy/nginx/gitgate.conf — only its ports, log and certificate paths
 * changed, and the load_module and IPv6 lines dropped where this machine
 * has no use for them — in front of a gateway configured as the README
 * says, and git, the API, the web pages, the registry token endpoint and git
 * over SSH go through it on loopback, over TLS with a certificate made for
 * the test. Clients use source addresses 127.0.0.5… so that nginx, on
 * 127.0.0.1, and each of them are told apart.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Project } from '../../src/projects/project.js';
import { freePort, ipv6Loopback } from '../support/free-port.js';
import { PASSWORD, startGateway, type Gateway } from '../support/gateway.js';
import { authUrl, git, gitOk, tempDir } from '../support/git-cli.js';
import { loopbackRequest, type LoopbackAnswer } from '../support/loopback-request.js';
import { nginxBuild, startNginx, STREAM_MODULE, type NginxBuild, type RunningNginx } from '../support/nginx.js';
import { writeSelfSignedCertificate, type TlsCertificate } from '../support/tls-certificate.js';
import { gitSsh, sshToolsInstalled, sshUrl } from '../ssh/ssh-client.js';

const CONFIG_FILE = 'deploy/nginx/gitgate.conf';
const CONFIG = fs.readFileSync(CONFIG_FILE, 'utf8');
const MiB = 1024 * 1024;
const build = nginxBuild('the nginx reverse-proxy suite');

it('README shows deploy/nginx/gitgate.conf verbatim', () => {
  expect(fs.readFileSync('README.md', 'utf8')).toContain(`\`\`\`nginx\n${CONFIG}\`\`\`\n`);
});

interface Ports {
  https: number;
  http: number;
  ssh: number;
}

/** The deployed file with this test's ports and paths; each replaced text must still be in it. */
function testConfig(b: NginxBuild, gw: Gateway, ports: Ports, dir: string, cert: TlsCertificate, ipv6: boolean): string {
  let text = CONFIG;
  const swap = (from: string, to: string): void => {
    if (!text.includes(from)) throw new Error(`${CONFIG_FILE} no longer contains "${from}": update this test`);
    text = text.split(from).join(to);
  };
  swap('/var/log/nginx/gitgate-error.log', path.join(dir, 'error.log'));
  swap('/var/log/nginx/gitgate-access.log', path.join(dir, 'access.log'));
  swap('/etc/ssl/gitgate/fullchain.pem', cert.certificatePath);
  swap('/etc/ssl/gitgate/privkey.pem', cert.keyPath);
  swap('server 127.0.0.1:8080;', `server 127.0.0.1:${new URL(gw.url).port};`);
  swap('proxy_pass 127.0.0.1:2222;', `proxy_pass 127.0.0.1:${gw.sshPort};`);
  for (const [port, ours] of [['80', ports.http], ['443', ports.https], ['22', ports.ssh]] as const) {
    swap(`listen ${port}`, `listen 127.0.0.1:${ours}`);
    if (ipv6) swap(`listen [::]:${port}`, `listen [::1]:${ours}`);
    else text = text.replace(new RegExp(`^ *listen \\[::\\]:${port}\\b.*\\n`, 'm'), '');
  }
  if (b.stream !== 'module') swap(`load_module ${STREAM_MODULE};`, '');
  if (b.stream === 'absent') text = text.slice(0, text.indexOf('\nstream {'));
  return text;
}

describe.runIf(build)(`gitgate behind nginx (${build?.version}, ${CONFIG_FILE})`, () => {
  let gw: Gateway;
  let nginx: RunningNginx;
  let dir: string;
  let cert: TlsCertificate;
  let ports: Ports;
  let external: string;
  let site: Project;
  let aliceToken: string;
  let bobToken: string;

  /** A directory for git's work, removed with nginx's. */
  const scratch = (): string => fs.mkdtempSync(path.join(dir, 'git-'));
  const accessLog = (): string[] => fs.readFileSync(path.join(dir, 'access.log'), 'utf8').split('\n').filter(Boolean);
  const errorLog = (): string => fs.readFileSync(path.join(dir, 'error.log'), 'utf8');
  const gatewayLog = (): Record<string, unknown>[] => gw.logs.map((line) => JSON.parse(line) as Record<string, unknown>);
  const viaNginx = (args: string[], env: Record<string, string> = {}) => git(args, { env: { GIT_SSL_CAINFO: cert.certificatePath, ...env } });
  const siteUrl = (): string => authUrl(external, 'alice/site.git', 'alice', aliceToken);
  const serverHas = async (branch: string): Promise<boolean> =>
    (await gitOk(['--git-dir', gw.repoPath(site), 'for-each-ref', '--format=%(refname)'])).split('\n').includes(`refs/heads/${branch}`);
  const https = (pathAndQuery: string, options: Parameters<typeof loopbackRequest>[1] = {}): Promise<LoopbackAnswer> =>
    loopbackRequest(`${external}${pathAndQuery}`, { ca: cert.certificatePem, ...options });

  beforeAll(async () => {
    dir = tempDir('gitgate-nginx-');
    cert = await writeSelfSignedCertificate(dir);
    ports = { https: await freePort(), http: await freePort(), ssh: await freePort() };
    external = `https://127.0.0.1:${ports.https}`;
    gw = await startGateway('sqlite', {
      ssh: true,
      env: {
        GITGATE_EXTERNAL_URL: external,
        GITGATE_TRUSTED_PROXIES: '127.0.0.1',
        GITGATE_AUTH_BAN_MAX_RETRY: '3',
        GITGATE_MONITORING_ALLOWLIST: '127.0.0.1',
      },
    });
    const alice = await gw.createUser('alice');
    const bob = await gw.createUser('bob');
    site = await gw.createProject(alice, 'site');
    await gw.createProject(alice, 'other');
    await gw.seedCommit(site);
    await gw.system.twoFactor.enableNow(await gw.createUser('carol'));
    aliceToken = (await gw.createToken(alice, ['api'])).token;
    bobToken = (await gw.createToken(bob, ['read_user'])).token;
    nginx = await startNginx(build!, dir, testConfig(build!, gw, ports, dir, cert, await ipv6Loopback()));
  });
  afterAll(async () => {
    await nginx?.stop();
    await gw?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it.each([
    ['HTTP/1.1', '0'],
    ['HTTP/1.1', '2'],
    ['HTTP/2', '0'],
    ['HTTP/2', '2'],
  ])('clones and pushes over %s, git protocol v%s', async (httpVersion, protocol) => {
    const seen = accessLog().length;
    const work = scratch();
    const options = ['-c', `http.version=${httpVersion}`, '-c', `protocol.version=${protocol}`];
    const clone = await viaNginx([...options, 'clone', siteUrl(), work], { GIT_TRACE_PACKET: '1' });
    expect(clone.code, clone.stderr).toBe(0);
    expect(fs.readFileSync(path.join(work, 'README.md'), 'utf8')).toBe('# site\n');
    // The Git-Protocol header went through: gitgate answered in the protocol git asked for.
    expect(clone.stderr.includes('< version 2'), clone.stderr.slice(0, 2000)).toBe(protocol === '2');

    await gitOk(['-C', work, 'commit', '-q', '--allow-empty', '-m', `${httpVersion} v${protocol}`]);
    const branch = `http${httpVersion.slice(5)}-v${protocol}`;
    const push = await viaNginx([...options, '-C', work, 'push', 'origin', `HEAD:refs/heads/${branch}`]);
    expect(push.code, push.stderr).toBe(0);
    expect(await serverHas(branch)).toBe(true);

    const requests = accessLog().slice(seen);
    const wire = httpVersion === 'HTTP/2' ? 'HTTP/2.0' : 'HTTP/1.1';
    expect(requests.every((line) => line.includes(` ${wire}" `)), requests.join('\n')).toBe(true);
    expect(requests.some((line) => line.includes(`"POST /alice/site.git/git-upload-pack ${wire}" 200 `))).toBe(true);
    expect(requests.some((line) => line.includes(`"POST /alice/site.git/git-receive-pack ${wire}" 200 `))).toBe(true);
  });

  it('streams pushes beyond nginx’s default body limit and buffers, and clones of them, without spooling to disk', async () => {
    const work = scratch();
    await gitOk(['clone', '-q', gw.repoPath(site), work]);
    for (const httpVersion of ['HTTP/1.1', 'HTTP/2']) {
      // Random bytes do not compress: each push carries a pack of over 6 MiB (nginx's default limit is 1 MiB).
      fs.writeFileSync(path.join(work, `${httpVersion.replace('/', '')}.bin`), randomBytes(6 * MiB));
      await gitOk(['-C', work, 'add', '.']);
      await gitOk(['-C', work, 'commit', '-q', '-m', `6 MiB over ${httpVersion}`]);
      const push = await viaNginx(['-c', `http.version=${httpVersion}`, '-C', work, 'push', siteUrl(), 'HEAD:refs/heads/big']);
      expect(push.code, push.stderr).toBe(0);
    }
    const head = (await gitOk(['-C', work, 'rev-parse', 'HEAD'])).trim();
    for (const httpVersion of ['HTTP/1.1', 'HTTP/2']) {
      const copy = scratch();
      const clone = await viaNginx(['-c', `http.version=${httpVersion}`, 'clone', '-q', '--bare', '--branch', 'big', siteUrl(), copy]);
      expect(clone.code, clone.stderr).toBe(0);
      expect((await gitOk(['--git-dir', copy, 'rev-parse', 'big'])).trim()).toBe(head);
    }
    // nginx warns when it writes a request or response body to a temporary file, and errs on a body over its limit.
    expect(errorLog()).not.toMatch(/buffered to a temporary file|too large/);
  }, 120_000);

  it('hands gitgate the address nginx saw, not the one the client claims: its log, ban and monitoring allowlist follow it', async () => {
    const seen = gw.logs.length;
    const claims = { 'x-forwarded-for': '203.0.113.9', 'x-request-id': 'chosen-by-the-client' };
    const user = (from: string, token: string) => https('/api/v4/user', { from, headers: { ...claims, 'private-token': token } });
    for (let i = 0; i < 3; i++) expect((await user('127.0.0.5', 'glpat-not-a-token')).status).toBe(401);
    const banned = await user('127.0.0.5', bobToken);
    expect(banned.status).toBe(403);
    expect(JSON.parse(banned.body)).toEqual({ message: '403 Forbidden - Too many failed authentication attempts from this IP' });
    expect((await user('127.0.0.6', bobToken)).status).toBe(200);

    const requests = gatewayLog().slice(seen).filter((e) => e.msg === 'request');
    expect(requests.map((e) => e.ip)).toEqual(['127.0.0.5', '127.0.0.5', '127.0.0.5', '127.0.0.5', '127.0.0.6']);
    // One request id in both logs: nginx's, not the client's.
    const last = requests.at(-1)!.requestId as string;
    expect(last).toMatch(/^[0-9a-f]{32}$/);
    expect(accessLog().at(-1)).toMatch(new RegExp(`^127\\.0\\.0\\.6 .*"GET /api/v4/user HTTP/1\\.1" 200 .* ${last}$`));

    expect((await https('/-/metrics', { from: '127.0.0.6' })).status).toBe(404);
    expect((await loopbackRequest(`${gw.url}/-/metrics`)).status).toBe(200);
  });

  it('keeps a token sent in the query string out of nginx’s access log', async () => {
    expect((await https(`/api/v4/user?private_token=${bobToken}`, { from: '127.0.0.7' })).status).toBe(200);
    expect(accessLog().at(-1)).toMatch(/"GET \/api\/v4\/user HTTP\/1\.1" 200 /);
    expect(fs.readFileSync(path.join(dir, 'access.log'), 'utf8')).not.toContain(bobToken);
  });

  it('answers with URLs under GITGATE_EXTERNAL_URL: API entities and links, git’s hints, the registry token realm’s answer', async () => {
    const headers = { 'private-token': aliceToken };
    const project = await https(`/api/v4/projects/${site.id}`, { headers });
    expect(JSON.parse(project.body)).toMatchObject({ http_url_to_repo: `${external}/alice/site.git`, web_url: `${external}/alice/site` });
    const page = await https('/api/v4/projects?per_page=1', { headers });
    expect(page.headers.link).toContain(`<${external}/api/v4/projects?`);
    expect(page.headers.link).toContain('rel="next"');

    const basic = (user: string, secret: string) => ({ authorization: `Basic ${Buffer.from(`${user}:${secret}`).toString('base64')}` });
    const twoFactor = await https('/alice/site.git/info/refs?service=git-upload-pack', { headers: basic('carol', PASSWORD) });
    expect(twoFactor.status).toBe(401);
    expect(twoFactor.body).toContain(`You can generate one at ${external}/-/user_settings/personal_access_tokens`);

    const jwt = await https('/jwt/auth?service=container_registry&scope=repository:alice/site:pull', { headers: basic('alice', aliceToken) });
    expect(jwt.status).toBe(200);
    expect(JSON.parse(jwt.body)).toMatchObject({ token: expect.any(String), expires_in: 300 });
  });

  it('serves the web pages with HSTS and __Host- Secure cookies, and accepts a sign-in from the external origin', async () => {
    const form = await https('/users/sign_in');
    expect(form.status).toBe(200);
    expect(form.headers['strict-transport-security']).toMatch(/max-age=\d+/);
    const setCookies = form.headers['set-cookie'] ?? [];
    expect(setCookies.some((c) => /^__Host-gitgate_csrf=.*; Secure/i.test(c)), setCookies.join('\n')).toBe(true);
    const authenticity = /name="authenticity_token" value="([^"]+)"/.exec(form.body)![1]!;
    const signIn = await https('/users/sign_in', {
      method: 'POST',
      headers: {
        origin: external,
        cookie: setCookies.map((c) => c.split(';')[0]).join('; '),
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({ authenticity_token: authenticity, login: 'alice', password: PASSWORD }).toString(),
    });
    expect(signIn.status, signIn.body.slice(0, 500)).toBe(303);
    expect((signIn.headers['set-cookie'] ?? []).some((c) => /^__Host-gitgate_session=.*; Secure/i.test(c))).toBe(true);
  });

  it('redirects plain HTTP to https', async () => {
    const plain = await loopbackRequest(`http://127.0.0.1:${ports.http}/alice/site.git/info/refs?service=git-upload-pack`);
    expect(plain.status).toBe(301);
    // $host carries no port: in production the https side is on 443.
    expect(plain.headers.location).toBe('https://127.0.0.1/alice/site.git/info/refs?service=git-upload-pack');
  });

  it.runIf(build?.stream !== 'absent' && sshToolsInstalled())(
    'relays git over SSH through the stream module; gitgate sees nginx’s address, not the client’s',
    async () => {
      const seen = gw.logs.length;
      const fromClient = { sshOptions: ['-o', 'BindAddress=127.0.0.8'] };
      const work = scratch();
      const viaProxy = await gitSsh(ports.ssh, { secret: aliceToken }, ['clone', sshUrl(ports.ssh, 'alice', 'alice/site.git'), work], fromClient);
      expect(viaProxy.code, viaProxy.stderr).toBe(0);
      await gitOk(['-C', work, 'commit', '-q', '--allow-empty', '-m', 'over ssh via nginx']);
      const push = await gitSsh(ports.ssh, { secret: aliceToken }, ['-C', work, 'push', 'origin', 'HEAD:refs/heads/via-stream'], fromClient);
      expect(push.code, push.stderr).toBe(0);
      expect(await serverHas('via-stream')).toBe(true);
      const direct = await gitSsh(gw.sshPort!, { secret: aliceToken }, ['ls-remote', sshUrl(gw.sshPort!, 'alice', 'alice/site.git')], fromClient);
      expect(direct.code, direct.stderr).toBe(0);

      const commands = gatewayLog().slice(seen).filter((e) => e.msg === 'ssh git command');
      expect(commands.map((e) => [e.gitService, e.ip])).toEqual([
        ['git-upload-pack', '127.0.0.1'],
        ['git-receive-pack', '127.0.0.1'],
        ['git-upload-pack', '127.0.0.8'],
      ]);
    },
  );
});
