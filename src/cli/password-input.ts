/**
 * Reading a password for the command line without putting it in the
 * process's arguments, where every local user can read it (`ps`,
 * `/proc/<pid>/cmdline`): from standard input, or typed at a prompt that
 * does not echo.
 */
import { UsageError } from './cli-context.js';

/** The streams the password is read from and the prompt written to. */
export interface PasswordStreams {
  input: NodeJS.ReadStream;
  /** Where prompts go (standard error, so standard output stays the command's answer). */
  prompt: NodeJS.WriteStream;
}

const CTRL_C = '\u0003';
const CTRL_D = '\u0004';
const CTRL_U = '\u0015';
const BACKSPACES = new Set(['\u007f', '\b']);

/**
 * All of standard input, without the one line ending that `echo` or a
 * here-document adds (`docker login --password-stdin` does the same), so a
 * password may still contain spaces or end in one.
 */
export async function readPasswordFromStdin(input: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of input) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

/**
 * Asks for a password twice at a terminal, echoing nothing, and returns it
 * when both agree. Ctrl-C or Ctrl-D (on an empty line) abort with a UsageError.
 */
export async function promptNewPassword(streams: PasswordStreams): Promise<string> {
  const first = await promptHidden(streams, 'Password: ');
  const again = await promptHidden(streams, 'Password (again): ');
  if (first !== again) throw new UsageError('the passwords do not match');
  return first;
}

/**
 * One line typed at the terminal in raw mode, so the terminal does not echo
 * it; Ctrl-C or Ctrl-D (on an empty line) abort: "no `what` given".
 */
export function promptHidden({ input, prompt }: PasswordStreams, question: string, what = 'password'): Promise<string> {
  const wasRaw = input.isRaw;
  // Echo goes off before the prompt shows, so nothing typed after it is echoed.
  input.setRawMode(true);
  prompt.write(question);
  input.setEncoding('utf8');
  input.resume();
  return new Promise((resolve, reject) => {
    let typed = '';
    const finish = (error: Error | null): void => {
      input.off('data', onData);
      input.setRawMode(wasRaw);
      input.pause();
      prompt.write('\n');
      if (error) reject(error);
      else resolve(typed);
    };
    const onData = (data: string): void => {
      for (const ch of data) {
        if (ch === '\r' || ch === '\n') return finish(null);
        if (ch === CTRL_C || (ch === CTRL_D && typed === '')) return finish(new UsageError(`no ${what} given`));
        if (BACKSPACES.has(ch)) typed = [...typed].slice(0, -1).join('');
        else if (ch === CTRL_U) typed = '';
        else if (ch >= ' ') typed += ch;
      }
    };
    input.on('data', onData);
  });
}
