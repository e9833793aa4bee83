import { describe, expect, it } from 'vitest';
import { NotFoundError } from '../lib/errors.js';
import { parseGitCommand } from './git-command.js';
import { SshCommandError } from './ssh-errors.js';

describe('parseGitCommand', () => {
  it.each([
    ["git-upload-pack '/alice/demo.git'", 'git-upload-pack'],
    ["git-upload-pack 'alice/demo.git'", 'git-upload-pack'],
    ["git-receive-pack '/alice/demo'", 'git-receive-pack'],
    ["git-upload-archive '~/alice/demo.git'", 'git-upload-archive'],
    ["git-upload-pack '/~alice/demo.git'", 'git-upload-pack'],
    ['git-upload-pack alice/demo.git', 'git-upload-pack'],
    ['git-upload-pack "alice/demo.git"', 'git-upload-pack'],
    ["git upload-pack 'alice/demo.git'", 'git-upload-pack'],
  ])('%s', (command, service) => {
    expect(parseGitCommand(command)).toEqual({ service, namespace: 'alice', project: 'demo' });
  });

  it("reads git's quoting of awkward characters (sq_quote_buf)", () => {
    expect(() => parseGitCommand("git-upload-pack 'alice/it'\\''s.git'")).toThrow(NotFoundError);
    expect(parseGitCommand("git-upload-pack 'ali''ce/demo.git'")).toMatchObject({ namespace: 'alice' });
  });

  it.each([
    'ls',
    'sh -c id',
    '',
    "git-upload-pack 'alice/demo.git'; id",
    "git-upload-pack 'alice/demo.git' && id",
    "git-upload-pack $(id)",
    "git-upload-pack `id`",
    "git-upload-pack 'alice/demo.git",
    "git-upload-pack \"alice/$HOME.git\"",
    'git-upload-pack alice/demo.git\nid',
    'git-lfs-authenticate alice/demo.git download',
    'scp -t /tmp',
  ])('refuses %j as an unknown command', (command) => {
    expect(() => parseGitCommand(command)).toThrow(SshCommandError);
  });

  it.each([
    "git-upload-pack '../alice/demo.git'",
    "git-upload-pack 'alice/../demo.git'",
    "git-upload-pack 'alice/..'",
    "git-upload-pack '/alice/demo.git/'",
    "git-upload-pack '//alice/demo.git'",
    "git-upload-pack 'alice/demo/extra.git'",
    "git-upload-pack 'demo.git'",
    "git-upload-pack 'alice/.git'",
    "git-upload-pack 'alice/demo.git.git'",
    "git-upload-pack 'alice/demo.git' --strict",
    'git-upload-pack',
  ])('refuses %j like a missing project', (command) => {
    expect(() => parseGitCommand(command)).toThrow(NotFoundError);
  });

  it('names only the first word, printable, in the unknown-command message', () => {
    expect(() => parseGitCommand('rm -rf /')).toThrow('Unknown command: rm');
    expect(() => parseGitCommand('\u001b[31mevil')).toThrow('Unknown command: ?[31mevil');
  });
});
