import { describe, expect, it } from 'vitest';
import { parseGitProtocol } from './git-protocol.js';

describe('parseGitProtocol', () => {
  it('passes a valid header and reports v2 for upload-pack', () => {
    expect(parseGitProtocol('version=2', 'git-upload-pack')).toEqual({ env: 'version=2', v2: true });
    expect(parseGitProtocol('object-format=sha1:version=2'.replace('-', ''), 'git-upload-pack')).toEqual({
      env: 'objectformat=sha1:version=2',
      v2: true,
    });
  });

  it('keeps v0 framing for receive-pack, which has no v2', () => {
    expect(parseGitProtocol('version=2', 'git-receive-pack')).toEqual({ env: 'version=2', v2: false });
  });

  it('passes version=1 without v2', () => {
    expect(parseGitProtocol('version=1', 'git-upload-pack')).toEqual({ env: 'version=1', v2: false });
  });

  it.each([undefined, '', 'version=2;id', 'version=2 ', 'version=2:', ':version=2', 'version==2', 'a=b=c', 'version=2\nX=1', 'v=é', 'x'.repeat(300) + '=1'])(
    'ignores %j',
    (header) => {
      expect(parseGitProtocol(header, 'git-upload-pack')).toEqual({ env: null, v2: false });
    },
  );
});
