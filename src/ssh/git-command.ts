/**
 * The exec command a git client sends over SSH, e.g.
 * `git-upload-pack '/alice/demo.git'`, parsed strictly: one known service,
 * one repository argument quoted the way git quotes it (`sq_quote_buf`),
 * nothing a shell would interpret.
 */
import { isValidPathSegment } from '../lib/path-segment.js';
import type { GitCommandService } from '../identity/git-service.js';
import { SshCommandError } from './ssh-errors.js';

/** A git command gitgate will authorize and run. */
export interface GitCommand {
  service: GitCommandService;
  namespace: string;
  /** The project path, `.git` stripped. */
  project: string;
}

const SERVICES: readonly GitCommandService[] = ['git-upload-pack', 'git-receive-pack', 'git-upload-archive'];
const MAX_COMMAND = 4096;
// Characters allowed outside quotes: nothing a shell would expand or split on.
const PLAIN = /^[A-Za-z0-9_.~/+:@%,=-]$/;
// Inside double quotes, anything but what a shell would still interpret.
const FORBIDDEN_IN_DOUBLE = /["\\$`]/;

/**
 * Parses `command`. Unknown commands throw SshCommandError ("Unknown command:
 * …"); a malformed repository path throws NotFoundError, so it reads exactly
 * like a missing project.
 *
 * @example parseGitCommand("git-upload-pack '/alice/demo.git'") // { service: 'git-upload-pack', namespace: 'alice', project: 'demo' }
 */
export function parseGitCommand(command: string): GitCommand {
  const words = command.length <= MAX_COMMAND ? splitWords(command) : null;
  if (!words || words.length === 0) throw SshCommandError.unknown(command);
  // Git for Windows 2.14 sent `git upload-pack` (gitlab-shell accepts it too).
  const [first, ...rest] = words[0] === 'git' && words.length > 1 ? [`git-${words[1]}`, ...words.slice(2)] : words;
  const service = SERVICES.find((s) => s === first);
  if (!service) throw SshCommandError.unknown(command);
  if (rest.length !== 1) throw SshCommandError.notFound();
  const repo = repositoryOf(rest[0]!);
  if (!repo) throw SshCommandError.notFound();
  return { service, ...repo };
}

/**
 * `/ns/project.git`, `ns/project`, `~/ns/project.git`, `~ns/project` (git's
 * ssh:// and scp-style forms) → namespace and project; anything else null.
 */
function repositoryOf(path: string): { namespace: string; project: string } | null {
  let rest = path.startsWith('/') ? path.slice(1) : path;
  if (rest.startsWith('~/')) rest = rest.slice(2);
  else if (rest.startsWith('~')) rest = rest.slice(1);
  const segments = rest.split('/');
  if (segments.length !== 2) return null;
  const [namespace, raw] = segments as [string, string];
  const project = raw.endsWith('.git') ? raw.slice(0, -4) : raw;
  return isValidPathSegment(namespace) && isValidPathSegment(project) ? { namespace, project } : null;
}

/**
 * Splits a command line into words: single quotes, double quotes without
 * anything to expand, git's `\'` and `\!` escapes, plain safe characters.
 * Null when anything else appears (`;`, `$`, newlines, unbalanced quotes…).
 */
function splitWords(line: string): string[] | null {
  const words: string[] = [];
  let word: string | null = null;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (c === ' ' || c === '\t') {
      if (word !== null) words.push(word);
      word = null;
    } else if (c === "'" || c === '"') {
      const end = line.indexOf(c, i + 1);
      if (end === -1) return null;
      const quoted = line.slice(i + 1, end);
      if (/[\0\r\n]/.test(quoted) || (c === '"' && FORBIDDEN_IN_DOUBLE.test(quoted))) return null;
      word = (word ?? '') + quoted;
      i = end;
    } else if (c === '\\') {
      const next = line[i + 1];
      if (next !== "'" && next !== '!') return null;
      word = (word ?? '') + next;
      i++;
    } else if (PLAIN.test(c)) {
      word = (word ?? '') + c;
    } else {
      return null;
    }
  }
  if (word !== null) words.push(word);
  return words;
}
