/**
 * SIGTERM to the gateway's whole process group — what systemd sends by
 * default (KillMode=control-group) and `kill -- -PGID` does — drains like
 * SIGTERM to the node process alone: a clone in flight completes, then the
 * server exits 0, also when the signal comes again during the drain. The
 * group holds node and the git spawner helper; git itself runs in process
 * groups of its own.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { gitEnv, gitOk, tempDir } from '../support/git-cli.js';
import { BIN, startServe, type ServeProcess } from '../support/serve-process.js';

const run = promisify(execFile);
/** Bytes from the server after which the clone is surely in its pack. */
const IN_FLIGHT_BYTES = 1024 * 1024;

/**
 * A TCP relay from a port of its own to `port` that can hold the server's
 * answers: git on the server side then blocks mid-pack, so the clone is in
 * flight for as long as the test wants.
 */
async function holdingRelay(port: number): Promise<{ port: number; fromServer(): number; hold(): void; release(): void; close(): void }> {
  const upstreams = new Set<net.Socket>();
  let held = false;
  let bytes = 0;
  const relay = net.createServer((client) => {
    const upstream = net.connect(port, '127.0.0.1');
    upstreams.add(upstream);
    for (const s of [client, upstream]) s.on('error', () => undefined);
    client.on('data', (chunk: Buffer) => {
      if (!upstream.write(chunk)) client.pause();
    });
    upstream.on('drain', () => client.resume());
    upstream.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      if (!client.write(chunk) || held) upstream.pause();
    });
    client.on('drain', () => {
      if (!held) upstream.resume();
    });
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => {
      upstreams.delete(upstream);
      client.end();
    });
  });
  await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
  return {
    port: (relay.address() as net.AddressInfo).port,
    fromServer: () => bytes,
    hold: () => {
      held = true;
      for (const u of upstreams) u.pause();
    },
    release: () => {
      held = false;
      for (const u of upstreams) u.resume();
    },
    close: () => relay.close(),
  };
}

/** Resolves once `check` holds (polled), or rejects when `child` exits first. */
async function until(check: () => boolean, child: ChildProcess, what: string): Promise<void> {
  while (!check()) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${what}: the process ended first`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('SIGTERM to the process group of `gitgate serve`', () => {
  let work: string;
  let dataDir: string;
  let server: ServeProcess;
  let clone: ChildProcess | undefined;
  let url: string;

  beforeAll(async () => {
    work = tempDir('gitgate-group-stop-work-');
    await gitOk(['init', '-q', '-b', 'main', work]);
    // Random bytes do not compress: the pack is as large as the blob.
    fs.writeFileSync(path.join(work, 'blob.bin'), randomBytes(32 * 1024 * 1024));
    await gitOk(['-C', work, 'add', '.']);
    await gitOk(['-C', work, 'commit', '-q', '-m', 'big']);
  });

  beforeEach(async () => {
    dataDir = tempDir('gitgate-group-stop-');
    const env = {
      PATH: process.env.PATH,
      HOME: dataDir,
      GITGATE_DATA_DIR: dataDir,
      PORT: '0',
      GITGATE_SEED_DEMO: 'false',
      // Clone answers come straight from git: a kept answer on disk would not need git to live.
      GITGATE_FETCH_CACHE_MAX_BYTES: '0',
      LOG_LEVEL: 'info',
    };
    server = startServe(env, { detached: true });
    await server.waitFor('gitgate is serving');
    url = `http://127.0.0.1:${await server.port()}`;
    await run(BIN, ['project', 'create', 'root/big', '--visibility', 'public'], { env });
    await gitOk(['-C', work, 'push', '-q', path.join(dataDir, 'repos', 'root', 'big.git'), 'main']);
  });

  afterEach(async () => {
    if (clone && clone.exitCode === null && clone.signalCode === null) clone.kill('SIGKILL');
    await server.exitWithin(0);
    fs.rmSync(dataDir, { recursive: true, force: true });
  });
  afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

  it.each([
    ['once', 1],
    // Ctrl-C pressed again, a second `kill -- -PGID`: the drain goes on.
    ['again while it drains', 2],
  ])('sent %s: lets a clone in flight complete, then exits 0', async (_when, signals) => {
    const relay = await holdingRelay(Number(new URL(url).port));
    const dir = path.join(tempDir(), 'big');
    clone = spawn('git', ['clone', '-q', `http://127.0.0.1:${relay.port}/root/big.git`, dir], { env: gitEnv(), stdio: ['ignore', 'ignore', 'pipe'] });
    let cloneErr = '';
    clone.stderr!.on('data', (d: Buffer) => (cloneErr += d.toString()));
    const cloned = new Promise<number | null>((resolve) => clone!.once('exit', (code) => resolve(code)));

    await until(() => relay.fromServer() >= IN_FLIGHT_BYTES, clone, 'clone');
    relay.hold();
    process.kill(-server.child.pid!, 'SIGTERM');
    // The gateway took the signal: it drains from here on.
    await server.waitFor('"msg":"shutting down"');
    if (signals === 2) {
      process.kill(-server.child.pid!, 'SIGTERM');
      await server.waitFor('"msg":"already stopping');
    }
    relay.release();

    expect(await cloned, cloneErr).toBe(0);
    expect(fs.statSync(path.join(dir, 'blob.bin')).size).toBe(32 * 1024 * 1024);
    expect(await server.exited, server.stdout() + server.stderr()).toEqual({ code: 0, signal: null });
    const after = await fetch(`${url}/-/health`).then(
      () => 'answered',
      () => 'refused',
    );
    expect(after).toBe('refused');
    relay.close();
  });
});
