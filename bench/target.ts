/** What the measurements need to know about a server under test. */

/** Where the served repositories are on disk. */
export interface ServedRepos {
  root: string;
  /** Project name → absolute path of its bare repository. */
  paths: Record<string, string>;
}

/** One way of serving the same repositories: gitgate, nginx + http-backend, or file://. */
export interface Target {
  name: 'gitgate' | 'nginx' | 'file';
  repos: ServedRepos;
  /** Clone URL of `project`, credentials included. */
  url(project: string): string;
  /** The same URL without credentials (for load generators that send a header). */
  plainUrl(project: string): string;
  /** base64 of `user:secret` for an `Authorization: Basic` header ('' when not HTTP). */
  basicAuth: string;
  /** Server processes whose memory counts as "the front" (their descendants count as git). */
  pids(): number[];
}
