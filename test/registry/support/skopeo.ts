/**
 * Runs skopeo isolated from the machine's container configuration: its own
 * HOME, auth file, registries.conf and temporary directory, and no
 * signature policy (`--insecure-policy`).
 */
import fs from 'node:fs';
import path from 'node:path';
import { tempDir } from '../../support/git-cli.js';
import { runProcess, type ProcessResult } from '../../support/run-process.js';

/** What a skopeo command left behind. */
export type SkopeoResult = ProcessResult;

const home = tempDir('gitgate-skopeo-');
fs.writeFileSync(path.join(home, 'registries.conf'), 'unqualified-search-registries = []\n');
fs.mkdirSync(path.join(home, 'tmp'));

/** `skopeo --insecure-policy args…`; resolves with the exit code and output. */
export function skopeo(args: string[]): Promise<SkopeoResult> {
  return runProcess('skopeo', ['--insecure-policy', ...args], {
    env: {
      PATH: process.env.PATH,
      HOME: home,
      TMPDIR: path.join(home, 'tmp'),
      XDG_RUNTIME_DIR: home,
      XDG_CONFIG_HOME: path.join(home, '.config'),
      REGISTRY_AUTH_FILE: path.join(home, 'auth.json'),
      CONTAINERS_REGISTRIES_CONF: path.join(home, 'registries.conf'),
    },
  });
}

/** Pushes a local OCI layout to `docker://host/name:tag` with `user:secret` (or none). */
export function push(layout: { dir: string; tag: string }, destination: string, creds: string | null): Promise<SkopeoResult> {
  return skopeo([
    'copy',
    '--dest-tls-verify=false',
    ...(creds === null ? ['--dest-no-creds'] : ['--dest-creds', creds]),
    `oci:${layout.dir}:${layout.tag}`,
    `docker://${destination}`,
  ]);
}

/** Pulls `docker://host/name:tag` into a fresh OCI layout with `user:secret` (or anonymously). */
export async function pull(source: string, creds: string | null): Promise<SkopeoResult & { dir: string }> {
  const dir = tempDir('gitgate-pulled-');
  const result = await skopeo([
    'copy',
    '--src-tls-verify=false',
    ...(creds === null ? ['--src-no-creds'] : ['--src-creds', creds]),
    `docker://${source}`,
    `oci:${dir}:pulled`,
  ]);
  return { ...result, dir };
}
