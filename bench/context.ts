/** What every scenario receives: the three targets, the run's settings and its record. */
import fs from 'node:fs';
import path from 'node:path';
import type { GatewayTarget } from './gateway-target.js';
import { redact, type BenchResults } from './measure.js';
import { NGINX_PASSWORD, type NginxTarget } from './nginx-target.js';
import type { Target } from './target.js';

/** Shared by every scenario of one run. */
export interface BenchContext {
  gitgate: GatewayTarget;
  nginx: NginxTarget;
  /** `git clone --no-local file://` (the limit: no HTTP at all). */
  file: Target;
  quick: boolean;
  runDir: string;
  results: BenchResults;
  log(line: string): void;
  /** Records a command line (credentials redacted) for the results file, once. */
  record(command: string, args: string[]): void;
  /** A fresh, empty directory under the run directory. */
  scratch(name: string): string;
}

/** The file:// target over the repositories gitgate serves. */
export function fileTarget(gitgate: GatewayTarget): Target {
  return {
    name: 'file',
    repos: gitgate.repos,
    url: (project) => `file://${gitgate.repos.paths[project]}`,
    plainUrl: (project) => `file://${gitgate.repos.paths[project]}`,
    basicAuth: '',
    pids: () => [],
  };
}

/** Builds the context; `record` dedupes command lines and redacts every credential of the run. */
export function createContext(o: Omit<BenchContext, 'record' | 'scratch' | 'log'> & { log?: (line: string) => void }): BenchContext {
  const seen = new Set<string>();
  const secrets = {
    $GITGATE_TOKEN: o.gitgate.ready.token,
    $GITGATE_BASIC: o.gitgate.basicAuth,
    $NGINX_BASIC: o.nginx.basicAuth,
    $NGINX_PASSWORD: NGINX_PASSWORD,
    $RUN: o.runDir,
  };
  let n = 0;
  return {
    ...o,
    log: o.log ?? ((line) => process.stderr.write(`${line}\n`)),
    record(command, args) {
      const line = redact([command, ...args.map(quote)].join(' '), secrets);
      if (!seen.has(line)) {
        seen.add(line);
        o.results.commands.push(line);
      }
    },
    scratch(name) {
      const dir = path.join(o.runDir, 'scratch', `${name}-${++n}`);
      fs.rmSync(dir, { recursive: true, force: true });
      fs.mkdirSync(path.dirname(dir), { recursive: true });
      return dir;
    },
  };
}

function quote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", "'\\''")}'`;
}
