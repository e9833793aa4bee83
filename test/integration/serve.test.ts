/**
 * The README's quick start as a person runs it: `gitgate serve` on a fresh
 * data directory in its own process, the CLI in another, git against it;
 * then SIGTERM while a clone is running.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, startServe, type ServeProcess } from '../support/serve-process.js';
import { authUrl, git, tempDir } from '../support/git-cli.js';

const run = promisify(execFile);

describe('gitgate serve (a separate process)', () => {
  let dataDir: string;
  let env: NodeJS.ProcessEnv;
  let server: ServeProcess;
  let url: string;

  beforeAll(async () => {
    dataDir = tempDir('gitgate-serve-');
    env = { PATH: process.env.PATH, HOME: dataDir, GITGATE_DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: 'info' };
    server = startServe(env);
    await server.waitFor('gitgate is serving');
    url = `http://127.0.0.1:${await server.port()}`;
  });
  afterAll(async () => {
    await server.exitWithin(0);
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('creates root with a one-time password file, seeds the demo, and prints how to clone', () => {
    const file = path.join(dataDir, 'initial_root_password');
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(fs.readFileSync(file, 'utf8').trim().length).toBeGreaterThanOrEqual(20);
    expect(server.stderr()).toContain(`root password: written once to ${file}`);
    expect(server.stderr()).toContain('token create --user root');
    expect(server.stderr()).toContain('/root/demo.git');
  });

  it('clones the demo with a token from the CLI, and refuses it once the CLI revokes it', async () => {
    const { stdout } = await run(BIN, ['token', 'create', '--user', 'root', '--name', 'laptop', '--scopes', 'read_repository'], { env });
    const id = /^id: (\d+)$/m.exec(stdout)![1]!;
    const token = /^token: (\S+)$/m.exec(stdout)![1]!;
    const dir = tempDir();
    const cloned = await git(['clone', authUrl(url, 'root/demo.git', 'root', token), dir]);
    expect(cloned.code, cloned.stderr).toBe(0);
    expect(fs.readFileSync(path.join(dir, 'hello.sh'), 'utf8')).toContain('Hello from gitgate');
    expect((await git(['-C', dir, 'tag'])).stdout.trim()).toBe('v1.0.0');
    await run(BIN, ['token', 'revoke', id], { env });
    const refused = await git(['ls-remote', authUrl(url, 'root/demo.git', 'root', token)]);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/HTTP Basic: Access denied/);
  });

  it('answers bad command-line arguments with one line and status 2', async () => {
    for (const args of [['token', 'create', '--user', 'root'], ['token', 'revoke', 'abc'], ['frobnicate'], ['member', 'add', 'nope', 'root', '--access', 'god']]) {
      const result = await run(BIN, args, { env }).then(
        () => ({ code: 0, stderr: '' }),
        (err: { code: number; stderr: string }) => err,
      );
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
    }
  });

  it('stops with one clear line on invalid configuration', async () => {
    const result = await run(BIN, ['serve'], { env: { ...env, PORT: 'eighty' } }).then(
      () => ({ code: 0, stderr: '' }),
      (err: { code: number; stderr: string }) => err,
    );
    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toBe('gitgate: invalid configuration: PORT Invalid input: expected number, received NaN');
  });

  it('on SIGTERM lets a fetch in flight finish, then exits', async () => {
    const { stdout } = await run(BIN, ['token', 'create', '--user', 'root', '--name', 'ci', '--scopes', 'read_repository'], { env });
    const token = /^token: (\S+)$/m.exec(stdout)![1]!;
    const refs = await git(['ls-remote', authUrl(url, 'root/demo.git', 'root', token), 'refs/heads/main']);
    const sha = refs.stdout.split('\t')[0]!;
    const pkt = (line: string) => `${(line.length + 4).toString(16).padStart(4, '0')}${line}`;

    // An upload-pack request whose body arrives in two parts, SIGTERM in between.
    const response = new Promise<{ status: number; body: Buffer }>((resolve, reject) => {
      const req = http.request(`${url}/root/demo.git/git-upload-pack`, {
        method: 'POST',
        headers: {
          authorization: `Basic ${Buffer.from(`root:${token}`).toString('base64')}`,
          'content-type': 'application/x-git-upload-pack-request',
        },
      });
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
      });
      req.on('error', reject);
      req.write(pkt(`want ${sha}\n`));
      setTimeout(() => {
        const exited = server.stop().then((exit) => exit.code);
        setTimeout(() => req.end(`0000${pkt('done\n')}`), 300);
        exitCode = exited;
      }, 300);
    });
    let exitCode: Promise<number | null> | undefined;
    const { status, body } = await response;
    expect(status).toBe(200);
    expect(body.includes(Buffer.from('PACK'))).toBe(true);
    expect(await exitCode).toBe(0);
    const after = await fetch(`${url}/-/health`).then(
      () => 'answered',
      () => 'refused',
    );
    expect(after).toBe('refused');
  });
});
