/**
 * A real nginx for one test file: the configuration text it is given, run
 * in the foreground (`daemon off`) as a child of the test, with its own
 * prefix, pid file and start-up log in a temporary directory, stopped by its
 * pid. Debian's nginx is required under CI (`.ci/run` installs it) and
 * skipped loudly elsewhere, like the other Debian tools (required-tools.ts).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { missingTools, toolPath } from './required-tools.js';

/** The nginx binary and what it was built with. */
export interface NginxBuild {
  bin: string;
  /** `nginx/1.22.1`. */
  version: string;
  /** The stream (TCP proxy) module: built in, as a module file to load, or absent. */
  stream: 'built-in' | 'module' | 'absent';
}

/** Where Debian's libnginx-mod-stream puts the module (the path deploy/nginx/gitgate.conf loads). */
export const STREAM_MODULE = '/usr/lib/nginx/modules/ngx_stream_module.so';

/**
 * The installed nginx, or null (with a loud warning; under CI an error)
 * when there is none. Without the stream module it warns (under CI: fails)
 * too, and reports `absent`.
 */
export function nginxBuild(suites: string): NginxBuild | null {
  const bin = toolPath('nginx', { sbin: true });
  if (bin === null) {
    missingTools(suites, 'nginx', 'nginx');
    return null;
  }
  // nginx -V writes to stderr.
  const info = spawnSync(bin, ['-V'], { encoding: 'utf8' }).stderr;
  const version = /nginx version: (\S+)/.exec(info)?.[1] ?? 'nginx/unknown';
  const configure = info.split(/\s+/);
  let stream: NginxBuild['stream'] = 'absent';
  if (configure.includes('--with-stream')) stream = 'built-in';
  else if (configure.includes('--with-stream=dynamic') && fs.existsSync(STREAM_MODULE)) stream = 'module';
  if (stream === 'absent') missingTools(`${suites} over SSH`, `the nginx stream module (${STREAM_MODULE})`, 'libnginx-mod-stream');
  return { bin, version, stream };
}

/** A running nginx. */
export interface RunningNginx {
  /** The master process's pid. */
  pid: number;
  stop(): Promise<void>;
}

/**
 * Writes `config` to `dir/nginx.conf` and runs nginx on it with `dir` as its
 * prefix; resolves once it has written its pid file (its sockets are
 * listening by then), rejects with its output if it exits first.
 */
export async function startNginx(build: NginxBuild, dir: string, config: string): Promise<RunningNginx> {
  const configFile = path.join(dir, 'nginx.conf');
  const pidFile = path.join(dir, 'nginx.pid');
  fs.writeFileSync(configFile, config);
  const child = spawn(build.bin, ['-p', `${dir}/`, '-c', configFile, '-g', `daemon off; pid ${pidFile};`], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  await new Promise<void>((resolve, reject) => {
    const poll = setInterval(() => {
      if (!fs.existsSync(pidFile)) return;
      clearInterval(poll);
      child.off('exit', early);
      resolve();
    }, 20);
    const early = (code: number | null): void => {
      clearInterval(poll);
      reject(new Error(`nginx exited (${code}) before it was listening:\n${output}`));
    };
    child.once('exit', early);
  });
  return { pid: child.pid!, stop: () => stopChild(child) };
}

/** SIGTERM to the master (it stops its workers first), then waits for it to exit. */
function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  return exited;
}
