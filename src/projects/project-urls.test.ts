import { describe, expect, it } from 'vitest';
import { ProjectUrls } from './project-urls.js';

const project = { namespace: 'alice', path: 'website' };

describe('ProjectUrls', () => {
  it('words the SSH URL as GitLab does: scp-like on port 22, ssh:// with the port otherwise', () => {
    expect(new ProjectUrls('https://git.example.com', { user: 'git', port: 22 }).ssh(project)).toBe('git@git.example.com:alice/website.git');
    expect(new ProjectUrls('https://git.example.com', { user: 'git', port: 2222 }).ssh(project)).toBe(
      'ssh://git@git.example.com:2222/alice/website.git',
    );
  });

  it('takes the host from the external URL, not its port or path, and keeps IPv6 brackets', () => {
    expect(new ProjectUrls('http://127.0.0.1:8080', { user: 'gitlab', port: 2222 }).ssh(project)).toBe(
      'ssh://gitlab@127.0.0.1:2222/alice/website.git',
    );
    expect(new ProjectUrls('http://[::1]:8080', { user: 'git', port: 22 }).ssh(project)).toBe('git@[::1]:alice/website.git');
  });

  it('has no SSH URL while SSH is off, and the page and HTTP URLs under the external URL', () => {
    const urls = new ProjectUrls('https://git.example.com/prefix', null);
    expect(urls.ssh(project)).toBeNull();
    expect(urls.web(project)).toBe('https://git.example.com/prefix/alice/website');
    expect(urls.http(project)).toBe('https://git.example.com/prefix/alice/website.git');
    expect(urls.namespace('alice')).toBe('https://git.example.com/prefix/alice');
  });
});
