/**
 * A server that cannot start (its port is taken) reports why where its log
 * goes: as a fatal JSON line when the log is JSON, besides the one line on
 * stderr it always prints; the exit status stays 1.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { duplicateKeys } from '../support/duplicate-keys.js';
import { tempDir } from '../support/git-cli.js';

const BIN = path.resolve('test/support/gitgate-source');

function serve(env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(BIN, ['serve'], { env }, (err, stdout, stderr) => {
      resolve({ code: err ? Number((err as { code?: unknown }).code) : 0, stdout, stderr });
    });
  });
}

describe('a fatal start-up error', () => {
  let dataDir: string;
  let taken: net.Server;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    dataDir = tempDir('gitgate-fatal-');
    taken = net.createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as net.AddressInfo).port;
    env = { PATH: process.env.PATH, HOME: dataDir, GITGATE_DATA_DIR: dataDir, PORT: String(port), GITGATE_SEED_DEMO: 'false', LOG_LEVEL: 'info' };
  });
  afterAll(() => {
    taken.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('is a fatal JSON line on the log when the log is JSON (stdout not a terminal: auto)', async () => {
    for (const format of [undefined, 'json']) {
      const r = await serve(format ? { ...env, GITGATE_LOG_FORMAT: format } : env);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/^gitgate: 127\.0\.0\.1:\d+ is already in use: stop what listens there, or choose another PORT$/m);
      const lines = r.stdout.split('\n').filter(Boolean);
      for (const line of lines) expect(duplicateKeys(line), line).toEqual([]);
      const fatal = lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.level === 60);
      expect(fatal).toHaveLength(1);
      expect(fatal[0]).toMatchObject({ service: 'gitgate', msg: 'gitgate stopped by an error', err: { type: 'StartupError', setting: 'PORT' } });
    }
  });

  it('stays the stderr line alone with pretty logs', async () => {
    const r = await serve({ ...env, GITGATE_LOG_FORMAT: 'pretty' });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^gitgate: 127\.0\.0\.1:\d+ is already in use: stop what listens there, or choose another PORT$/m);
    expect(r.stdout).not.toContain('{"level"');
    expect(r.stdout).toContain('registry token service ready');
    expect(r.stdout).not.toContain('FATAL');
  });
});
