/**
 * Starts bench/gateway-process.ts as a child process and describes it as a
 * benchmark target; stops it by its pid.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { GatewayReady } from './gateway-process.js';
import type { ServedRepos, Target } from './target.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));

/** A running gateway: the target, and what its process reported when ready. */
export interface GatewayTarget extends Target {
  ready: GatewayReady;
  stop(): Promise<void>;
}

/**
 * Starts a gateway with its own data directory under `runDir`, serving
 * `sources` (project name → bare repository) as private projects of one
 * user; `fetchCache: false` turns its FetchResponseCache off; `extraEnv`
 * is added to its environment (GITGATE_SSH_PORT, BENCH_SSH_PUBLIC_KEY);
 * `compiled`: the gateway runs the compiled JavaScript of dist/ on plain
 * node, as `npm start` does (build it first), instead of the sources under tsx.
 */
export async function startGatewayTarget(
  runDir: string,
  sources: Record<string, string>,
  fetchCache = true,
  extraEnv: Record<string, string> = {},
  compiled = false,
): Promise<GatewayTarget> {
  const dataDir = path.join(runDir, 'gitgate-data');
  fs.mkdirSync(dataDir, { recursive: true });
  const log = fs.openSync(path.join(runDir, 'gitgate.log'), 'a');
  const script = compiled ? await compiledGatewayProcess() : null;
  const child = spawn(
    process.execPath,
    [...(script ? [script] : ['--import', 'tsx', path.join(HERE, 'gateway-process.ts')]), dataDir, ...Object.entries(sources).map(([n, s]) => `${n}=${s}`)],
    {
      cwd: path.join(HERE, '..'),
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        // GITGATE_SENDFILE=false in the bench's environment: kept answers copied through the gateway, as without the native module.
        ...(process.env.GITGATE_SENDFILE ? { GITGATE_SENDFILE: process.env.GITGATE_SENDFILE } : {}),
        ...(fetchCache ? {} : { GITGATE_FETCH_CACHE_MAX_BYTES: '0' }),
        ...extraEnv,
      },
      stdio: ['ignore', log, 'pipe'],
    },
  );
  fs.closeSync(log);
  const ready = await readyLine(child);
  const repos: ServedRepos = { root: ready.reposDir, paths: ready.repos };
  const auth = `${ready.username}:${ready.token}`;
  return {
    name: 'gitgate',
    ready,
    repos,
    pids: () => [ready.pid],
    url: (project) => withAuth(`${ready.url}/${ready.username}/${project}.git`, ready.username, ready.token),
    plainUrl: (project) => `${ready.url}/${ready.username}/${project}.git`,
    basicAuth: Buffer.from(auth).toString('base64'),
    stop: () => stopChild(child),
  };
}

/**
 * gateway-process.ts as plain JavaScript that imports dist/ instead of src/
 * (TypeScript's transpileModule, nothing type-checked), written under
 * bench/work/, so no tsx loader or esbuild service runs beside the gateway.
 */
async function compiledGatewayProcess(): Promise<string> {
  if (!fs.existsSync(path.join(HERE, '..', 'dist', 'main.js'))) throw new Error('dist/ is missing: npm run build');
  const ts = (await import('typescript')).default;
  const source = fs.readFileSync(path.join(HERE, 'gateway-process.ts'), 'utf8').replaceAll("from '../src/", "from '../../dist/");
  const { outputText } = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } });
  const file = path.join(HERE, 'work', 'gateway-process.compiled.mjs');
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, outputText);
  return file;
}

/** `http://user:secret@host/path` with both parts URL-encoded. */
export function withAuth(url: string, username: string, secret: string): string {
  const u = new URL(url);
  u.username = encodeURIComponent(username);
  u.password = encodeURIComponent(secret);
  return u.toString();
}

function readyLine(child: ChildProcess): Promise<GatewayReady> {
  return new Promise((resolve, reject) => {
    let seen = '';
    child.stderr!.on('data', (chunk: Buffer) => {
      seen += chunk.toString();
      const line = seen.split('\n').find((l) => l.startsWith('{"url"'));
      if (line) resolve(JSON.parse(line) as GatewayReady);
    });
    child.once('exit', (code) => reject(new Error(`gateway exited with ${code} before it was ready:\n${seen.slice(-3000)}`)));
  });
}

/** SIGTERM to the child we started, then wait for it (SIGKILL after 30 s). */
export function stopChild(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const force = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.once('exit', () => {
      clearTimeout(force);
      resolve();
    });
    child.kill(signal);
  });
}
