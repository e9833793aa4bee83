import { describe, expect, it } from 'vitest';
import { matchProjectPage } from './project-path.js';

describe('matchProjectPage', () => {
  it('reads /namespace/project, with a trailing slash or .git', () => {
    expect(matchProjectPage('/alice/website')).toEqual({ namespace: 'alice', project: 'website', withGitSuffix: false });
    expect(matchProjectPage('/alice/website/')).toEqual({ namespace: 'alice', project: 'website', withGitSuffix: false });
    expect(matchProjectPage('/alice/website.git')).toEqual({ namespace: 'alice', project: 'website', withGitSuffix: true });
    expect(matchProjectPage('/alice/my%2Esite')).toEqual({ namespace: 'alice', project: 'my.site', withGitSuffix: false });
  });

  it.each([
    '/',
    '/alice',
    '/alice/website/info/refs',
    '/alice/website.git/HEAD',
    '/alice/website/objects/info/packs',
    '/alice/website//',
    '/-/user_settings',
    '/alice/..',
    '/../website',
    '/alice/a%2Fb',
    '/alice/%E0%A4%A',
    '/.hidden/website',
    '/alice/.git',
    '/alice/website.git.git',
    '/alice/web%00site',
  ])('is not a project page: %s', (path) => {
    expect(matchProjectPage(path)).toBeNull();
  });
});
