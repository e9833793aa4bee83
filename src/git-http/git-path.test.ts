import { describe, expect, it } from 'vitest';
import { matchGitPath } from './git-path.js';

describe('matchGitPath', () => {
  it.each([
    ['/alice/demo.git/info/refs', 'info-refs'],
    ['/alice/demo/info/refs', 'info-refs'],
    ['/alice/demo.git/git-upload-pack', 'git-upload-pack'],
    ['/alice/demo/git-receive-pack', 'git-receive-pack'],
    ['/al%69ce/demo.git/info/refs', 'info-refs'],
  ])('%s is the %s endpoint of alice/demo', (path, endpoint) => {
    expect(matchGitPath(path)).toEqual({ kind: 'smart', namespace: 'alice', project: 'demo', endpoint });
  });

  it.each([
    '/alice/../info/refs',
    '/alice/%2e%2e/info/refs',
    '/alice/demo%2f..%2fx.git/info/refs',
    '/alice/..%5cx.git/info/refs',
    '/%2fetc/passwd/info/refs',
    '//demo.git/info/refs',
    '/alice/demo%00/info/refs',
    '/alice/%zz/info/refs',
    '/alice/demo.git.git/info/refs',
    '/alice/.hidden/info/refs',
    '/a/b/c.git/info/refs',
    '/demo.git/info/refs',
    '/alice/demo.git/HEAD',
    '/alice/demo/HEAD',
    '/alice/demo.git/objects/pack/pack-1.pack',
    '/alice/demo/info/packs',
    '/alice/demo.git/info/refs/',
    '/alice/demo.git/config',
    '/alice/demo.GIT/description',
  ])('%s is git-looking but not served', (path) => {
    expect(matchGitPath(path)).toEqual({ kind: 'not-found' });
  });

  it.each(['/', '/users/sign_in', '/api/v4/projects/1', '/alice/demo', '/alice/demo.git', '/-/health', '/api/v4/info'])(
    '%s is not git',
    (path) => {
      expect(matchGitPath(path)).toBeNull();
    },
  );
});
