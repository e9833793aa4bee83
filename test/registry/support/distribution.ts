/**
 * A real CNCF distribution registry (Debian's `docker-registry`, 2.8) on a
 * free loopback port, trusting gitgate's token service; stopped by its pid.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { freePort } from '../../support/free-port.js';
import type { Gateway } from '../../support/gateway.js';
import { tempDir } from '../../support/git-cli.js';
import { toolsInstalled } from '../../support/required-tools.js';

export interface RegistryOptions {
  /** gitgate's `/jwt/auth` URL. */
  realm: string;
  service: string;
  issuer: string;
  rootCertBundle: string;
}

export interface RunningRegistry {
  /** `127.0.0.1:PORT`, as image references name it. */
  host: string;
  url: string;
  /** Everything the registry logged. */
  logs(): string;
  /** Stops the registry and starts it again on the same port and storage (it reads rootcertbundle only at start). */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * True when the registry and skopeo are installed. Otherwise the suites are
 * skipped with a warning, except under CI (`CI=true`), where that is an error.
 */
export function registryToolsInstalled(): boolean {
  return toolsInstalled('the registry end-to-end suites', ['docker-registry', 'skopeo'], 'docker-registry skopeo');
}

/** Starts the registry and waits until it answers `/v2/` with its token challenge. */
export async function startRegistry(options: RegistryOptions): Promise<RunningRegistry> {
  const dir = tempDir('gitgate-registry-');
  const port = await freePort();
  const host = `127.0.0.1:${port}`;
  const config = path.join(dir, 'config.yml');
  fs.mkdirSync(path.join(dir, 'storage'));
  fs.writeFileSync(
    config,
    [
      'version: 0.1',
      'log:',
      '  level: info',
      '  formatter: text',
      'storage:',
      '  filesystem:',
      `    rootdirectory: ${JSON.stringify(path.join(dir, 'storage'))}`,
      '  delete:',
      '    enabled: true',
      'http:',
      `  addr: ${host}`,
      'auth:',
      '  token:',
      `    realm: ${JSON.stringify(options.realm)}`,
      `    service: ${JSON.stringify(options.service)}`,
      `    issuer: ${JSON.stringify(options.issuer)}`,
      `    rootcertbundle: ${JSON.stringify(options.rootCertBundle)}`,
      '',
    ].join('\n'),
  );
  let output = '';
  let child: ChildProcess | null = null;

  const start = async (): Promise<void> => {
    const proc = spawn('docker-registry', ['serve', config], {
      env: { PATH: process.env.PATH, HOME: dir },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child = proc;
    proc.stdout.on('data', (d: Buffer) => (output += d.toString()));
    proc.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const exited = new Promise<never>((_, reject) =>
      proc.once('exit', (code) => reject(new Error(`docker-registry exited with ${code}:\n${output}`))),
    );
    exited.catch(() => undefined);
    await Promise.race([exited, waitForChallenge(`http://${host}`)]);
  };

  const stop = async (): Promise<void> => {
    const proc = child;
    child = null;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    const gone = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
    proc.kill('SIGTERM');
    const timer = setTimeout(() => proc.kill('SIGKILL'), 5000);
    await gone;
    clearTimeout(timer);
  };

  await start();
  return {
    host,
    url: `http://${host}`,
    logs: () => output,
    restart: async () => {
      await stop();
      await start();
    },
    stop: async () => {
      await stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Starts a registry trusting `gw`'s `/jwt/auth`, after making sure gitgate has its signing key. */
export async function startRegistryFor(gw: Gateway): Promise<RunningRegistry> {
  await gw.system.registry.keys.ensure();
  const { service, issuer, bundleFile } = gw.system.config.registry;
  return startRegistry({ realm: `${gw.url}/jwt/auth`, service, issuer, rootCertBundle: bundleFile });
}

async function waitForChallenge(url: string): Promise<void> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    try {
      const res = await fetch(`${url}/v2/`);
      if (res.status === 401 && res.headers.get('www-authenticate')?.startsWith('Bearer ')) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`registry at ${url} did not come up`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
