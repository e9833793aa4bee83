/**
 * Where users reach a project, as GitLab words it: the page under the
 * external URL, the HTTP clone URL, and the SSH clone URL for the shared SSH
 * user (`git@host:namespace/project.git` on port 22,
 * `ssh://git@host:port/namespace/project.git` on any other).
 */
import type { Project } from './project.js';

/** How clients reach the SSH listener: the shared username and the port they connect to. */
export interface SshEndpoint {
  user: string;
  port: number;
}

type ProjectPath = Pick<Project, 'namespace' | 'path'>;

/** The URLs of projects for one deployment. */
export class ProjectUrls {
  readonly #external: string;
  readonly #sshPrefix: string | null;

  /**
   * `externalUrl` is GITGATE_EXTERNAL_URL (no trailing slash); its host is
   * also the SSH host. `ssh` is null while SSH is off.
   */
  constructor(externalUrl: string, ssh: SshEndpoint | null) {
    this.#external = externalUrl;
    // WHATWG URL keeps an IPv6 host in brackets, which both SSH forms need.
    const host = new URL(externalUrl).hostname;
    this.#sshPrefix = ssh === null ? null : ssh.port === 22 ? `${ssh.user}@${host}:` : `ssh://${ssh.user}@${host}:${ssh.port}/`;
  }

  /** The project's page, `<external URL>/<namespace>/<project>`. */
  web(project: ProjectPath): string {
    return `${this.#external}/${project.namespace}/${project.path}`;
  }

  /** The namespace's address, `<external URL>/<namespace>`. */
  namespace(namespace: string): string {
    return `${this.#external}/${namespace}`;
  }

  /** `<external URL>/<namespace>/<project>.git`. */
  http(project: ProjectPath): string {
    return `${this.web(project)}.git`;
  }

  /** The SSH clone URL for the shared user; null while SSH is off. */
  ssh(project: ProjectPath): string | null {
    return this.#sshPrefix === null ? null : `${this.#sshPrefix}${project.namespace}/${project.path}.git`;
  }
}
