/**
 * `gitgate user set-password <username>`: the way back in when root's
 * generated password is lost. The password comes from standard input or is
 * typed twice at a terminal, never from the arguments; setting it follows
 * the usual rules (web sessions end, the old password stops working at once).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PASSWORD, startGateway, type Gateway } from '../support/gateway.js';
import { toolsInstalled } from '../support/required-tools.js';
import { runProcess } from '../support/run-process.js';
import { BIN } from '../support/serve-process.js';
import { basic, requestToken } from '../registry/support/token-client.js';
import { WebClient } from '../web/support/web-client.js';
import { typeAtTerminal } from '../support/terminal.js';

const HOME = '/-/user_settings/personal_access_tokens';

describe('gitgate user set-password', () => {
  let gw: Gateway;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    gw = await startGateway('sqlite');
    await gw.createUser('root', { admin: true });
    env = { PATH: process.env.PATH, HOME: gw.dataDir, ...gw.env, LOG_LEVEL: 'warn' };
  });
  afterAll(() => gw?.stop());

  const accepts = async (username: string, password: string) => (await requestToken(gw, { authorization: basic(username, password) })).status === 200;

  it("sets root's password from standard input, ending its web sessions", async () => {
    const browser = new WebClient(gw.url);
    expect((await browser.signIn('root', PASSWORD)).location).toBe(HOME);
    const set = await runProcess(BIN, ['user', 'set-password', 'root', '--password-stdin'], { env, input: 'a new root password\n' });
    expect(set, set.stderr).toMatchObject({ code: 0, stdout: 'Set the password of root; their web sessions have ended\n' });
    expect(await accepts('root', 'a new root password')).toBe(true);
    expect(await accepts('root', PASSWORD)).toBe(false);
    expect((await browser.get(HOME)).status).not.toBe(200);
  });

  it('refuses a short password, an unknown user, and no password without a terminal, with status 2', async () => {
    const short = await runProcess(BIN, ['user', 'set-password', 'root', '--password-stdin'], { env, input: 'short\n' });
    expect(short).toMatchObject({ code: 2, stderr: expect.stringMatching(/password is too short/) });
    const unknown = await runProcess(BIN, ['user', 'set-password', 'nobody', '--password-stdin'], { env, input: 'long enough password\n' });
    expect(unknown).toMatchObject({ code: 2, stderr: `gitgate: no user named nobody (data directory ${gw.dataDir})\n` });
    const none = await runProcess(BIN, ['user', 'set-password', 'root'], { env });
    expect(none).toMatchObject({ code: 2, stderr: expect.stringContaining('--password-stdin') });
    expect(await accepts('root', 'a new root password')).toBe(true);
  });

  it.runIf(toolsInstalled('the terminal prompt test of user set-password', ['script'], 'bsdutils'))(
    'asks twice at a terminal without echoing',
    async () => {
      const typed = await typeAtTerminal(BIN, ['user', 'set-password', 'root'], ['typed-root-secret', 'typed-root-secret'], env);
      expect(typed.code, typed.output).toBe(0);
      expect(typed.output).toContain('Password (again): ');
      expect(typed.output).not.toContain('typed-root-secret');
      expect(await accepts('root', 'typed-root-secret')).toBe(true);
      const mismatch = await typeAtTerminal(BIN, ['user', 'set-password', 'root'], ['typed-root-secret-1', 'typed-root-secret-2'], env);
      expect(mismatch.code).toBe(2);
      expect(mismatch.output).toContain('the passwords do not match');
      expect(await accepts('root', 'typed-root-secret')).toBe(true);
    },
  );
});
