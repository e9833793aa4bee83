/**
 * The classic deployment gitgate is measured against: nginx (Basic auth from
 * an htpasswd file) → fcgiwrap → `git http-backend`, serving the same
 * repositories directory. Started on a free loopback port with a private
 * prefix, stopped by the pids started here.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { connect, createServer } from 'node:net';
import path from 'node:path';
import { stopChild, withAuth } from './gateway-target.js';
import { descendantsOf, isAlive } from './proc.js';
import { runChecked } from './run-command.js';
import type { ServedRepos, Target } from './target.js';

const USER = 'bench';
/** The htpasswd password of the bench user (loopback only, generated per run's config). */
export const NGINX_PASSWORD = 'nginx-bench-password';
const HTTP_BACKEND = '/usr/lib/git-core/git-http-backend';
/** fcgiwrap runs one CGI per child: enough children for the 16-clone test. */
export const FCGIWRAP_CHILDREN = 16;

/** A running nginx + fcgiwrap pair and the configuration it was given. */
export interface NginxTarget extends Target {
  config: string;
  stop(): Promise<void>;
}

/** Starts fcgiwrap and nginx under `runDir`, serving `repos.root` (`/<namespace>/<project>.git`). */
export async function startNginxTarget(runDir: string, repos: ServedRepos, namespace: string): Promise<NginxTarget> {
  for (const bin of ['/usr/sbin/nginx', '/usr/sbin/fcgiwrap', '/usr/bin/htpasswd', HTTP_BACKEND]) {
    if (!fs.existsSync(bin)) throw new Error(`${bin} is missing: apt-get install nginx-light fcgiwrap apache2-utils git`);
  }
  const dir = path.join(runDir, 'nginx');
  fs.mkdirSync(path.join(dir, 'logs'), { recursive: true });
  const htpasswd = path.join(dir, 'htpasswd');
  // htpasswd's default scheme (APR1-MD5), as an administrator would create it.
  await runChecked('htpasswd', ['-cb', htpasswd, USER, NGINX_PASSWORD]);
  const socket = path.join(dir, 'fcgiwrap.sock');
  const port = await freePort();
  const config = nginxConfig({ dir, port, socket, htpasswd, root: repos.root });
  const configFile = path.join(dir, 'nginx.conf');
  fs.writeFileSync(configFile, config);
  const log = fs.openSync(path.join(dir, 'logs', 'stderr.log'), 'a');
  const fcgi = spawn('/usr/sbin/fcgiwrap', ['-c', String(FCGIWRAP_CHILDREN), '-s', `unix:${socket}`], {
    stdio: ['ignore', log, log],
    env: { PATH: process.env.PATH },
  });
  await waitFor(() => fs.existsSync(socket), 'fcgiwrap socket');
  const nginx = spawn('/usr/sbin/nginx', ['-p', dir, '-c', configFile, '-e', path.join(dir, 'logs', 'error.log'), '-g', 'daemon off;'], {
    stdio: ['ignore', log, log],
  });
  fs.closeSync(log);
  await waitFor(() => canConnect(port), 'nginx port');
  const base = `http://127.0.0.1:${port}`;
  return {
    name: 'nginx',
    config,
    repos,
    pids: () => [nginx.pid!, fcgi.pid!],
    url: (project) => withAuth(`${base}/${namespace}/${project}.git`, USER, NGINX_PASSWORD),
    plainUrl: (project) => `${base}/${namespace}/${project}.git`,
    basicAuth: Buffer.from(`${USER}:${NGINX_PASSWORD}`).toString('base64'),
    stop: async () => {
      await stopChild(nginx, 'SIGQUIT');
      // fcgiwrap's preforked children outlive their parent: signal each of them by pid.
      const children = descendantsOf([fcgi.pid!]);
      await stopChild(fcgi);
      for (const pid of children) {
        try {
          process.kill(pid, 'SIGTERM');
        } catch {
          // Gone already.
        }
      }
      await waitFor(() => !children.some(isAlive), 'fcgiwrap children to exit');
      fs.rmSync(socket, { force: true });
    },
  };
}

function nginxConfig(o: { dir: string; port: number; socket: string; htpasswd: string; root: string }): string {
  // Workers run as the bench's own user (like gitgate and fcgiwrap), so they read its files.
  const user = process.getuid?.() === 0 ? 'user root;\n' : '';
  return `# Written by bench/nginx-target.ts
${user}worker_processes auto;
pid ${o.dir}/nginx.pid;
events { worker_connections 1024; }
http {
  access_log ${o.dir}/logs/access.log;
  client_body_temp_path ${o.dir}/client_body;
  fastcgi_temp_path ${o.dir}/fastcgi;
  proxy_temp_path ${o.dir}/proxy;
  uwsgi_temp_path ${o.dir}/uwsgi;
  scgi_temp_path ${o.dir}/scgi;
  keepalive_timeout 65;
  server {
    listen 127.0.0.1:${o.port};
    location ~ ^/[^/]+/[^/]+\\.git/(info/refs|git-upload-pack|git-receive-pack)$ {
      auth_basic "git";
      auth_basic_user_file ${o.htpasswd};
      client_max_body_size 0;
      include /etc/nginx/fastcgi_params;
      fastcgi_param SCRIPT_FILENAME ${HTTP_BACKEND};
      fastcgi_param GIT_PROJECT_ROOT ${o.root};
      fastcgi_param GIT_HTTP_EXPORT_ALL "";
      fastcgi_param PATH_INFO $uri;
      fastcgi_param REMOTE_USER $remote_user;
      fastcgi_pass unix:${o.socket};
    }
  }
}
`;
}

/** A TCP port free on 127.0.0.1 now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

async function waitFor(check: () => boolean | Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}
