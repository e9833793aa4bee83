/**
 * Three `gitgate serve` processes (from the sources) sharing one PostgreSQL
 * database, one Redis key prefix and one data directory (server secret,
 * registry signing key, SSH host keys, repositories), behind a real nginx
 * running deploy/nginx/gitgate-cluster.conf with this run's ports and paths.
 * Each instance keeps its ports across restarts, so nginx's configuration
 * never changes.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../../src/config/config.js';
import { createLogger } from '../../src/http/logger.js';
import { compose } from '../../src/main.js';
import type { System } from '../../src/system.js';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';
import { freePort } from '../support/free-port.js';
import { tempDir } from '../support/git-cli.js';
import { startNginx, STREAM_MODULE, type NginxBuild, type RunningNginx } from '../support/nginx.js';
import { serveEnv, startServe, type ServeProcess } from '../support/serve-process.js';
import { writeSelfSignedCertificate, type TlsCertificate } from '../support/tls-certificate.js';

export const CONFIG_FILE = 'deploy/nginx/gitgate-cluster.conf';
export const ROOT_PASSWORD = 'cluster-root-password-1';

/** One instance: its fixed ports and the process now running it (null while stopped). */
export interface Instance {
  index: number;
  httpPort: number;
  sshPort: number;
  proc: ServeProcess | null;
  /** `127.0.0.1:<httpPort>`, as nginx's $upstream_addr names it. */
  upstream: string;
}

export interface Cluster {
  dir: string;
  /** `https://127.0.0.1:<port>`: the balancer, and every instance's GITGATE_EXTERNAL_URL. */
  url: string;
  sshPort: number;
  cert: TlsCertificate;
  instances: Instance[];
  env: Record<string, string>;
  /** A System over the shared database and data, in this process, listening nowhere: for setting up accounts. */
  admin: System;
  nginx: RunningNginx;
  /** nginx's access log lines so far. */
  accessLog(): string[];
  errorLog(): string;
  /** Starts instance i again on its ports; resolves once it listens. */
  start(i: number): Promise<void>;
  /** SIGTERM and wait (a graceful stop, drained). */
  stop(i: number): Promise<void>;
  /** SIGKILL and wait. */
  kill(i: number): Promise<void>;
  close(): Promise<void>;
}

export async function startCluster(build: NginxBuild, redisUrl: string): Promise<Cluster> {
  const dir = tempDir('gitgate-cluster-');
  const db: TestDatabase = await createTestDatabase('postgres');
  const cert = await writeSelfSignedCertificate(dir);
  const httpsPort = await freePort();
  const sshPort = await freePort();
  const url = `https://127.0.0.1:${httpsPort}`;
  const env: Record<string, string> = {
    DATABASE_URL: (db.config as { url: string }).url,
    REDIS_URL: redisUrl,
    GITGATE_REDIS_PREFIX: `gitgate-cluster:${process.pid}:${randomBytes(4).toString('hex')}:`,
    GITGATE_DATA_DIR: path.join(dir, 'data'),
    GITGATE_EXTERNAL_URL: url,
    GITGATE_TRUSTED_PROXIES: '127.0.0.1',
    GITGATE_MONITORING_ALLOWLIST: '127.0.0.1',
    GITGATE_AUTH_BAN_MAX_RETRY: '3',
    GITGATE_ROOT_PASSWORD: ROOT_PASSWORD,
    GITGATE_SSH_HOST: '127.0.0.1',
    GITGATE_SHUTDOWN_GRACE_SECONDS: '20',
  };
  const instances: Instance[] = [];
  for (let index = 0; index < 3; index++) {
    const httpPort = await freePort();
    instances.push({ index, httpPort, sshPort: await freePort(), proc: null, upstream: `127.0.0.1:${httpPort}` });
  }
  const start = async (i: number): Promise<void> => {
    const instance = instances[i]!;
    const proc = startServe(serveEnv({ ...env, PORT: String(instance.httpPort), HOST: '127.0.0.1', GITGATE_SSH_PORT: String(instance.sshPort) }));
    instance.proc = proc;
    await proc.waitFor('"msg":"gitgate listening"}', 60_000);
  };
  // The first start creates the data (secret, keys) and the database's tables; the others join it.
  await start(0);
  await Promise.all([start(1), start(2)]);
  const admin = await compose(loadConfig({ ...env, LOG_LEVEL: 'warn' }), { createData: false, logger: createLogger('warn') });
  const nginx = await startNginx(build, dir, nginxConfig(build, { dir, cert, httpsPort, plainPort: await freePort(), sshPort, instances }));

  const stopWith = async (i: number, signal: NodeJS.Signals): Promise<void> => {
    const proc = instances[i]!.proc;
    if (!proc) return;
    proc.child.kill(signal);
    await proc.exited;
    instances[i]!.proc = null;
  };
  return {
    dir,
    url,
    sshPort,
    cert,
    instances,
    env,
    admin,
    nginx,
    accessLog: () => fs.readFileSync(path.join(dir, 'access.log'), 'utf8').split('\n').filter(Boolean),
    errorLog: () => fs.readFileSync(path.join(dir, 'error.log'), 'utf8'),
    start,
    stop: (i) => stopWith(i, 'SIGTERM'),
    kill: (i) => stopWith(i, 'SIGKILL'),
    close: async () => {
      await nginx.stop();
      await admin.close();
      await Promise.all(instances.map((_, i) => stopWith(i, 'SIGTERM')));
      await db.drop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The deployed cluster file with this run's ports and paths; each replaced text must still be in it. */
export function nginxConfig(
  build: NginxBuild,
  run: { dir: string; cert: TlsCertificate; httpsPort: number; plainPort: number; sshPort: number; instances: Pick<Instance, 'index' | 'httpPort' | 'sshPort'>[] },
): string {
  let text = fs.readFileSync(CONFIG_FILE, 'utf8');
  const swap = (from: string, to: string): void => {
    if (!text.includes(from)) throw new Error(`${CONFIG_FILE} no longer contains "${from}": update test/cluster/cluster.ts`);
    text = text.split(from).join(to);
  };
  // One worker: its round-robin order is the order of the test's requests.
  swap('worker_processes auto;', 'worker_processes 1;');
  swap('/var/log/nginx/gitgate-error.log', path.join(run.dir, 'error.log'));
  swap('/var/log/nginx/gitgate-access.log', path.join(run.dir, 'access.log'));
  swap('/etc/ssl/gitgate/fullchain.pem', run.cert.certificatePath);
  swap('/etc/ssl/gitgate/privkey.pem', run.cert.keyPath);
  for (const instance of run.instances) {
    swap(`server 10.0.0.1${instance.index + 1}:8080 `, `server 127.0.0.1:${instance.httpPort} `);
    swap(`server 10.0.0.1${instance.index + 1}:2222 `, `server 127.0.0.1:${instance.sshPort} `);
  }
  swap('listen 443 ssl http2;', `listen 127.0.0.1:${run.httpsPort} ssl http2;`);
  swap('listen 22;', `listen 127.0.0.1:${run.sshPort};`);
  swap('listen 80;', `listen 127.0.0.1:${run.plainPort};`);
  text = text.replace(/^ *listen \[::\]:\d+\b.*\n/gm, '');
  if (build.stream !== 'module') swap(`load_module ${STREAM_MODULE};`, '');
  return text;
}
