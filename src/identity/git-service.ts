/** The git services gitgate runs: what a principal asks to do with a repository. */

/** The smart-HTTP services: fetch (`git-upload-pack`) and push (`git-receive-pack`); anything else is a 404. */
export type GitService = 'git-upload-pack' | 'git-receive-pack';

/** Every git service gitgate runs: the smart-HTTP pair, plus `git-upload-archive` over SSH (a read). */
export type GitCommandService = GitService | 'git-upload-archive';
