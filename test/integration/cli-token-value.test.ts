/**
 * `gitgate token identify` and `token revoke --token-stdin` through the
 * real CLI against a running gateway's database: the token comes on
 * standard input only, the revocation reaches the running server at once,
 * the owner is mailed (by the CLI itself: no server sweeps here), and
 * refusals are in the CLI's words with status 2. Also `user set-email`.
 */
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TokenCodec } from '../../src/tokens/token-codec.js';
import type { User } from '../../src/users/user.js';
import { startGateway, type Gateway } from '../support/gateway.js';
import { runProcess } from '../support/run-process.js';
import { startSmtpServer, type TestSmtpServer } from '../support/smtp.js';

const BIN = path.resolve('test/support/gitgate-source');

// Each CLI run starts a process and opens the installation: seconds on a busy machine.
describe('gitgate token identify and revoke --token-stdin', { timeout: 180_000 }, () => {
  let smtp: TestSmtpServer;
  let gw: Gateway;
  let env: NodeJS.ProcessEnv;
  let alice: User;
  const cli = (args: string[], input?: string) => runProcess(BIN, args, { env, ...(input !== undefined ? { input } : {}) });
  const apiStatus = async (token: string) => (await fetch(`${gw.url}/api/v4/user`, { headers: { 'PRIVATE-TOKEN': token } })).status;
  const where = () => `(data directory ${gw.dataDir})`;

  beforeAll(async () => {
    smtp = await startSmtpServer({ user: 'gitgate', password: 'p@ss word' });
    gw = await startGateway('sqlite', { env: { GITGATE_SMTP_URL: smtp.url, GITGATE_EMAIL_FROM: 'gitgate <gitgate@example.test>' } });
    env = { PATH: process.env.PATH, HOME: gw.dataDir, ...gw.env, LOG_LEVEL: 'warn' };
    alice = await gw.system.users.create({ username: 'alice', email: 'alice@example.test', password: 'correct-horse-battery' });
  });
  afterAll(async () => {
    await gw?.stop();
    await smtp?.stop();
  });

  it('sets an account\'s e-mail address, validated', async () => {
    const bob = await gw.createUser('bob');
    expect(bob.email).toBe('bob@gitgate.invalid');
    expect(await cli(['user', 'set-email', 'bob', 'bob@example.test'])).toMatchObject({ code: 0, stdout: 'Set the e-mail address of bob to bob@example.test\n' });
    expect((await gw.system.users.get(bob.id)).email).toBe('bob@example.test');
    expect(await cli(['user', 'set-email', 'bob', 'not an address'])).toMatchObject({ code: 2, stderr: 'gitgate: email is invalid\n' });
    expect(await cli(['user', 'set-email', 'nosuch', 'x@example.test'])).toMatchObject({ code: 2, stderr: `gitgate: no user named nosuch ${where()}\n` });
  });

  it('identifies a token read from standard input, and prints nothing of the token', async () => {
    const issued = await gw.createToken(alice, ['read_repository', 'api'], { name: 'laptop', expiresAt: '2099-01-01' });
    const res = await cli(['token', 'identify'], `${issued.token}\n`);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toMatch(
      new RegExp(`^id: ${issued.id}\\nname: laptop\\nowner: alice \\(id ${alice.id}, alice@example\\.test\\)\\nstate: active\\nscopes: api,read_repository\\nexpires: 2099-01-01\\ncreated: \\S+\\nlast used: never\\n$`),
    );
    expect(res.stdout + res.stderr).not.toContain(issued.token);
  });

  it('revokes a token read from standard input: the server refuses it at once and the owner is mailed', async () => {
    const issued = await gw.createToken(alice, ['api'], { name: 'leaked' });
    expect(await apiStatus(issued.token)).toBe(200);
    const before = smtp.received.length;
    const res = await cli(['token', 'revoke', '--token-stdin'], issued.token);
    expect(res).toMatchObject({ code: 0, stdout: `Revoked token ${issued.id} (leaked) of alice\n`, stderr: '' });
    expect(await apiStatus(issued.token)).toBe(401);
    const mails = smtp.received.slice(before);
    expect(mails.map((m) => ({ to: m.to, subject: m.subject }))).toEqual([{ to: ['alice@example.test'], subject: 'Your personal access token "leaked" was revoked' }]);
    expect((await cli(['token', 'identify'], issued.token)).stdout).toContain('state: revoked');
    expect(await cli(['token', 'revoke', '--token-stdin'], issued.token)).toMatchObject({ code: 2, stderr: 'gitgate: Token is already revoked\n' });
  });

  it('refuses what is not a token, an unknown token, nothing, and a token id together with --token-stdin', async () => {
    const real = (await gw.createToken(alice, ['api'])).token;
    const notOurs = 'that is not a token of this instance (its prefix, length or checksum)';
    expect(await cli(['token', 'identify'], 'ghp_0123456789abcdefghijABCDEFGHIJ012345')).toMatchObject({ code: 2, stderr: `gitgate: ${notOurs}\n` });
    expect(await cli(['token', 'revoke', '--token-stdin'], real.slice(0, -1))).toMatchObject({ code: 2, stderr: `gitgate: ${notOurs}\n` });
    const stranger = new TokenCodec('glpat-', randomBytes(32)).generate();
    expect(await cli(['token', 'identify'], stranger)).toMatchObject({ code: 2, stderr: `gitgate: no token with that value ${where()}\n` });
    expect(await cli(['token', 'identify'], '\n')).toMatchObject({ code: 2, stderr: 'gitgate: no token on standard input\n' });
    expect(await cli(['token', 'revoke', '1', '--token-stdin'], real)).toMatchObject({ code: 2, stderr: 'gitgate: give a token id or --token-stdin, one of them\n' });
    expect(await cli(['token', 'revoke'])).toMatchObject({ code: 2, stderr: 'gitgate: give a token id or --token-stdin, one of them\n' });
    expect(await apiStatus(real)).toBe(200);
  });

  it('takes no token as an argument, and does not repeat one given there', async () => {
    const real = (await gw.createToken(alice, ['api'])).token;
    const identify = await cli(['token', 'identify', real]);
    expect(identify.code).toBe(2);
    expect(identify.stderr).not.toContain(real);
    for (const verb of ['revoke', 'rotate']) {
      expect(await cli(['token', verb, real])).toMatchObject({
        code: 2,
        stderr: 'gitgate: token id must be a number (a token itself is read from standard input: --token-stdin)\n',
      });
    }
    expect(await apiStatus(real)).toBe(200);
  });
});
