import fc from 'fast-check';
import { describe, expect } from 'vitest';
import { anyString, fromPieces, mutated } from '../../test/support/fuzz-arbitraries.js';
import { fuzzIt } from '../../test/support/fuzz.js';
import { NotFoundError } from '../lib/errors.js';
import { isValidPathSegment } from '../lib/path-segment.js';
import { parseGitCommand, type GitCommand } from './git-command.js';
import { SshCommandError } from './ssh-errors.js';

const SERVICES = ['git-upload-pack', 'git-receive-pack', 'git-upload-archive'] as const;
const service = fc.constantFrom(...SERVICES);
const segment = fc
  .tuple(fc.stringMatching(/^[A-Za-z0-9_]$/), fc.stringMatching(/^[A-Za-z0-9_.-]{0,16}$/))
  .map(([a, b]) => a + b)
  .filter(isValidPathSegment);

/** git's sq_quote_buf: single quotes, with `'` and `!` escaped outside them. */
const sqQuote = (s: string): string => `'${s.replace(/['!]/g, (c) => `'\\${c}'`)}'`;
/** The path forms git sends: ssh:// (`/ns/p.git`, `/~ns/p`), scp-style (`ns/p.git`, `~/ns/p`). */
const pathForm = fc.constantFrom('/', '', '~/', '/~', '~');
const quoting = fc.constantFrom('single', 'double', 'none');

const validCommand = fc
  .tuple(service, fc.boolean(), pathForm, segment, segment, fc.boolean(), quoting, fc.constantFrom(' ', '  ', '\t'))
  .map(([svc, twoWords, form, namespace, project, dotGit, quote, space]) => {
    const path = `${form}${namespace}/${project}${dotGit ? '.git' : ''}`;
    const arg = quote === 'single' ? sqQuote(path) : quote === 'double' ? `"${path}"` : path;
    const verb = twoWords ? svc.replace('git-', 'git ') : svc;
    return { command: `${verb}${space}${arg}`, expected: { service: svc, namespace, project } as GitCommand };
  });

const hostile = fc.oneof(
  anyString({ overlong: 6000 }),
  fromPieces(['git-upload-pack', 'git', ' ', "'", '"', '\\', '/', 'alice', 'demo.git', '~', ';', '$(', '`', '|', '&', '\n', '!', '..', '%2e']),
  mutated(validCommand.map((c) => c.command)),
  validCommand.map((c) => `${c.command} ${'x'}`),
);

/** The parse, or the typed error the contract allows. */
function outcome(command: string): GitCommand | SshCommandError | NotFoundError {
  try {
    return parseGitCommand(command);
  } catch (err) {
    if (err instanceof SshCommandError || err instanceof NotFoundError) return err;
    throw err;
  }
}

describe('parseGitCommand (fuzz)', () => {
  fuzzIt('never throws anything but SshCommandError or NotFoundError; an unknown command is named in printable ASCII', 5000, () =>
    fc.property(hostile, (command) => {
      const result = outcome(command);
      if (result instanceof SshCommandError) expect(result.message).toMatch(/^Unknown command(: [\x21-\x7e]{1,64})?$/);
    }),
  );

  fuzzIt('reads every command git sends, in every path form and quoting', 4000, () =>
    fc.property(validCommand, ({ command, expected }) => {
      expect(parseGitCommand(command)).toEqual(expected);
    }),
  );

  fuzzIt('never accepts a malformed value: one of three services, two valid segments, no shell syntax anywhere', 6000, () =>
    fc.property(fc.oneof(hostile, validCommand.map((c) => c.command)), (command) => {
      const result = outcome(command);
      if (result instanceof Error) return;
      expect(SERVICES).toContain(result.service);
      expect(isValidPathSegment(result.namespace) && isValidPathSegment(result.project)).toBe(true);
      expect(command).toMatch(/^[A-Za-z0-9_.~/ \t'"\\!-]+$/);
    }),
  );

  fuzzIt('refuses shell syntax appended to or inside a valid command', 3000, () =>
    fc.property(validCommand, fc.constantFrom(';', '&&', '|', '$(id)', '`id`', '\n', '\r', '>', '<', '\0', '$HOME', '#'), fc.boolean(), ({ command }, syntax, inside) => {
      const changed = inside ? command.replace('/', `/${syntax}`) : `${command}${syntax}id`;
      expect(outcome(changed)).toBeInstanceOf(Error);
    }),
  );
});
