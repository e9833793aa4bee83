/**
 * The environment git runs with: built from scratch, never inherited, so no
 * application secret (GITGATE_SECRET, DATABASE_URL, REDIS_URL…) reaches git
 * or the hooks it runs.
 */

/** What varies between git invocations. */
export interface GitEnvOptions {
  /** PATH for git and its hooks. */
  path: string;
  /** HOME for git; a harmless directory, its config is never read. */
  home: string;
  /** A validated `Git-Protocol` value (see parseGitProtocol), or null. */
  gitProtocol?: string | null;
}

/** The default PATH: system locations only. */
export const DEFAULT_GIT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/**
 * A minimal environment for a server-side git process.
 *
 * Like Gitaly and Gitea, neither the system (`/etc/gitconfig`) nor the global
 * (`~/.gitconfig`) configuration is read: behaviour depends on the
 * repository's own config only, and a developer's personal config on the
 * server (credential helpers, url rewrites, hooksPath) cannot leak in.
 */
export function gitEnvironment(options: GitEnvOptions): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    PATH: options.path,
    HOME: options.home,
    LANG: 'C',
    LC_ALL: 'C',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_TERMINAL_PROMPT: '0',
  };
  if (options.gitProtocol) env.GIT_PROTOCOL = options.gitProtocol;
  return env;
}
