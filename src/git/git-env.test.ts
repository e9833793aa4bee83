import { describe, expect, it } from 'vitest';
import { gitEnvironment } from './git-env.js';

describe('gitEnvironment', () => {
  it('is built from scratch: nothing of process.env leaks in', () => {
    process.env.GITGATE_SECRET = 'leak-me';
    try {
      const env = gitEnvironment({ path: '/usr/bin:/bin', home: '/tmp' });
      expect(env).toEqual({
        PATH: '/usr/bin:/bin',
        HOME: '/tmp',
        LANG: 'C',
        LC_ALL: 'C',
        GIT_CONFIG_NOSYSTEM: '1',
        GIT_CONFIG_GLOBAL: '/dev/null',
        GIT_TERMINAL_PROMPT: '0',
      });
    } finally {
      delete process.env.GITGATE_SECRET;
    }
  });

  it('adds GIT_PROTOCOL only when given', () => {
    expect(gitEnvironment({ path: '/bin', home: '/tmp', gitProtocol: 'version=2' }).GIT_PROTOCOL).toBe('version=2');
    expect('GIT_PROTOCOL' in gitEnvironment({ path: '/bin', home: '/tmp', gitProtocol: null })).toBe(false);
  });
});
