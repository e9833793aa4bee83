/**
 * What `npm start`, bin/gitgate and the Docker image run: the build in dist/
 * (made once here with `npm run build`'s script), on plain node — no tsx.
 * The files that are not TypeScript (web views and assets, the git spawner
 * helper) and the modules loaded on demand (SSH, the registry key generator)
 * must be found from dist/. The rest of the suite runs the sources.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServe, type ServeProcess } from '../support/serve-process.js';
import { authUrl, git, tempDir } from '../support/git-cli.js';

const run = promisify(execFile);
const ROOT = path.resolve('.');
const BIN = path.join(ROOT, 'bin/gitgate');
/** The build runs tsc over the whole of src/: minutes on a loaded machine. */
const BUILD_TIMEOUT_MS = 300_000;

describe('the compiled build (bin/gitgate on dist/)', () => {
  let dataDir: string;
  let env: NodeJS.ProcessEnv;
  let server: ServeProcess;
  let url: string;

  beforeAll(async () => {
    await run(process.execPath, [path.join(ROOT, 'scripts/build.mjs')], { cwd: ROOT });
    dataDir = tempDir('gitgate-compiled-');
    env = { PATH: process.env.PATH, HOME: dataDir, GITGATE_DATA_DIR: dataDir, PORT: '0', GITGATE_SSH_PORT: '0', LOG_LEVEL: 'info' };
    server = startServe(env, { bin: BIN });
    await server.waitFor('gitgate is serving');
    url = `http://127.0.0.1:${await server.port()}`;
  }, BUILD_TIMEOUT_MS);
  afterAll(async () => {
    if (server) await server.exitWithin(0);
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('runs dist/main.js on plain node, with the git spawner helper from dist/', async () => {
    const cmdline = fs.readFileSync(`/proc/${server.child.pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
    expect(cmdline.slice(1)).toEqual([path.join(ROOT, 'dist/main.js'), 'serve']);
    const { stdout } = await run('ps', ['-o', 'args=', '--ppid', String(server.child.pid)]);
    const children = stdout.trim().split('\n');
    expect(children).toHaveLength(1);
    expect(children[0]).toContain(path.join(ROOT, 'dist/git/spawner/spawner-process.mjs'));
    expect(server.stderr()).not.toContain('git spawner could not start');
  });

  it('clones the demo with a token made by the compiled CLI', async () => {
    const { stdout } = await run(BIN, ['token', 'create', '--user', 'root', '--name', 'laptop', '--scopes', 'read_repository'], { env });
    const token = /^token: (\S+)$/m.exec(stdout)![1]!;
    const dir = tempDir();
    const cloned = await git(['clone', authUrl(url, 'root/demo.git', 'root', token), dir]);
    expect(cloned.code, cloned.stderr).toBe(0);
    expect(fs.readFileSync(path.join(dir, 'hello.sh'), 'utf8')).toContain('Hello from gitgate');
  });

  it('renders the web pages from the views and assets copied to dist/', async () => {
    const page = await fetch(`${url}/users/sign_in`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('name="password"');
    const css = await fetch(`${url}/-/web/assets/app.css`);
    expect(css.status).toBe(200);
    expect(await css.text()).toBe(fs.readFileSync(path.join(ROOT, 'src/web/assets/app.css'), 'utf8'));
  });

  it('loads what it loads on demand: the SSH listener and the registry key generator', async () => {
    const port = Number(/ssh:\/\/root@[^:]+:(\d+)\//.exec(server.stderr())?.[1]);
    expect(port).toBeGreaterThan(0);
    const banner = await new Promise<string>((resolve, reject) => {
      const socket = net.connect(port, '127.0.0.1');
      socket.once('data', (d: Buffer) => {
        resolve(d.toString('latin1'));
        socket.destroy();
      });
      socket.once('error', reject);
    });
    expect(banner).toMatch(/^SSH-2\.0-/);
    expect(fs.readFileSync(path.join(dataDir, 'registry', 'rootcertbundle.crt'), 'utf8')).toContain('BEGIN CERTIFICATE');
  });
});
