/**
 * Two `gitgate serve` processes on one installation and one SMTP server, on
 * the wall clock: each sweeps as it starts, and the token due for a notice
 * is mailed once. A process that stops gives its lease up.
 */
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays, utcDate } from '../../src/lib/dates.js';
import { freePort } from '../support/free-port.js';
import { tempDir } from '../support/git-cli.js';
import { runProcess } from '../support/run-process.js';
import { BIN, serveEnv, startServe, type ServeProcess } from '../support/serve-process.js';
import { startSmtpServer, type TestSmtpServer } from '../support/smtp.js';

describe('token notices from two gitgate serve processes', { timeout: 240_000 }, () => {
  let smtp: TestSmtpServer;
  let dataDir: string;
  let base: NodeJS.ProcessEnv;
  const servers: ServeProcess[] = [];
  const serveOn = async (port: number) => {
    const server = startServe({ ...base, PORT: String(port) });
    servers.push(server);
    await server.waitFor('gitgate is serving', 120_000);
    return server;
  };

  beforeAll(async () => {
    smtp = await startSmtpServer();
    dataDir = tempDir('gitgate-notices-');
    base = serveEnv({ GITGATE_DATA_DIR: dataDir, GITGATE_SMTP_URL: smtp.url, GITGATE_EMAIL_FROM: 'gitgate@example.test', HOME: dataDir });
    // The installation exists before the CLI may add to it.
    await (await serveOn(await freePort())).stop();
    const alice = await runProcess(BIN, ['user', 'create', '--username', 'alice', '--email', 'alice@example.test', '--password-stdin'], { env: base, input: 'correct-horse-battery\n' });
    expect(alice.code, alice.stderr).toBe(0);
    const expiresAt = addDays(utcDate(new Date()), 7);
    const token = await runProcess(BIN, ['token', 'create', '--user', 'alice', '--name', 'ci', '--scopes', 'read_repository', '--expires-at', expiresAt], { env: base });
    expect(token.code, token.stderr).toBe(0);
  });
  afterAll(async () => {
    for (const server of servers) await server.exitWithin(0);
    await smtp?.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('mails the notice due once, though both processes sweep as they start', async () => {
    const [a, b] = await Promise.all([serveOn(await freePort()), serveOn(await freePort())]);
    const [mail] = await smtp.waitForCount(1, 60_000);
    expect(mail).toMatchObject({ to: ['alice@example.test'], subject: `Your personal access token "ci" expires on ${addDays(utcDate(new Date()), 7)}` });
    // Both have swept by now (each does as it starts); give a late duplicate time to arrive.
    await new Promise((resolve) => setTimeout(resolve, 3000));
    expect(smtp.received).toHaveLength(1);
    expect(await a!.stop()).toEqual({ code: 0, signal: null });
    expect(await b!.stop()).toEqual({ code: 0, signal: null });
  });
});
