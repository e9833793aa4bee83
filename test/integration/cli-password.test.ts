/**
 * `gitgate user create` without the password in its arguments (where any
 * local user reads it with `ps`): from standard input, or typed at a
 * terminal without echo. Through the real CLI, against a running gateway's
 * database; the gateway then accepts the password.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type Gateway } from '../support/gateway.js';
import { toolsInstalled } from '../support/required-tools.js';
import { runProcess } from '../support/run-process.js';
import { basic, requestToken } from '../registry/support/token-client.js';
import { typeAtTerminal } from '../support/terminal.js';

const BIN = path.resolve('test/support/gitgate-source');

describe('gitgate user create: the password', () => {
  let gw: Gateway;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    gw = await startGateway('sqlite');
    env = { PATH: process.env.PATH, HOME: gw.dataDir, ...gw.env, LOG_LEVEL: 'warn' };
  });
  afterAll(() => gw?.stop());

  /** Whether the gateway accepts `username` / `password` (a docker login at /jwt/auth). */
  const accepts = async (username: string, password: string) => (await requestToken(gw, { authorization: basic(username, password) })).status === 200;

  it('reads it from standard input with --password-stdin, keeping all but the final line ending', async () => {
    const created = await runProcess(BIN, ['user', 'create', '--username', 'stdin-user', '--password-stdin'], { env, input: ' spaced out pass \n' });
    expect(created, created.stderr).toMatchObject({ code: 0, stdout: expect.stringContaining('Created user stdin-user') });
    expect(await accepts('stdin-user', ' spaced out pass ')).toBe(true);
    expect(await accepts('stdin-user', ' spaced out pass \n')).toBe(false);

    const crlf = await runProcess(BIN, ['user', 'create', '--username', 'crlf-user', '--password-stdin'], { env, input: 'windows-pass\r\n' });
    expect(crlf.code, crlf.stderr).toBe(0);
    expect(await accepts('crlf-user', 'windows-pass')).toBe(true);
  });

  it('still takes --password, and refuses both at once, none without a terminal, or a short one, with status 2', async () => {
    const args = ['user', 'create', '--username'];
    expect((await runProcess(BIN, [...args, 'argv-user', '--password', 'visible-in-ps'], { env })).code).toBe(0);
    expect(await accepts('argv-user', 'visible-in-ps')).toBe(true);

    const both = await runProcess(BIN, [...args, 'both-user', '--password', 'x-password', '--password-stdin'], { env, input: 'y-password\n' });
    expect(both).toMatchObject({ code: 2, stderr: 'gitgate: give --password or --password-stdin, not both\n' });
    const none = await runProcess(BIN, [...args, 'none-user'], { env });
    expect(none).toMatchObject({ code: 2, stderr: expect.stringContaining('--password-stdin') });
    const short = await runProcess(BIN, [...args, 'short-user', '--password-stdin'], { env, input: 'short\n' });
    expect(short).toMatchObject({ code: 2, stderr: expect.stringMatching(/password is too short/) });
    expect(await accepts('both-user', 'x-password')).toBe(false);
  });

  it.runIf(toolsInstalled('the terminal prompt test of user create', ['script'], 'bsdutils'))('asks twice at a terminal without echoing, and refuses two different answers', async () => {
    const typed = await typeAtTerminal(BIN, ['user', 'create', '--username', 'tty-user'], ['typed-secret-1', 'typed-secret-1'], env);
    expect(typed.code, typed.output).toBe(0);
    expect(typed.output).toContain('Password: ');
    expect(typed.output).toContain('Created user tty-user');
    expect(typed.output).not.toContain('typed-secret');
    expect(await accepts('tty-user', 'typed-secret-1')).toBe(true);

    const mismatch = await typeAtTerminal(BIN, ['user', 'create', '--username', 'tty-user-2'], ['typed-secret-1', 'typed-secret-2'], env);
    expect(mismatch.code).toBe(2);
    expect(mismatch.output).toContain('the passwords do not match');
    expect(mismatch.output).not.toContain('typed-secret');
  });
});
