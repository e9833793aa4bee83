/**
 * One SSH session channel: the only thing it runs is a git command (exec).
 * `GIT_PROTOCOL` is the one environment variable taken; shells and
 * subsystems (sftp…) get a one-line refusal and a non-zero exit status;
 * pty, X11 and agent forwarding requests are declined (ssh2 answers
 * failure to requests without a listener).
 */
import type { ServerChannel, Session } from 'ssh2';
import { finish } from './ssh-git-process.js';
import { SshCommandError, sshRefusal } from './ssh-errors.js';

/** What a session needs from its connection. */
export interface SshSessionHandlers {
  /** The authenticated username, for the greeting in the shell refusal. */
  username: string;
  /** Runs an exec request; `gitProtocol` is the client's GIT_PROTOCOL, unvalidated. */
  exec(channel: ServerChannel, command: string, gitProtocol: string | null): Promise<void>;
  /** Called when the session ends. */
  onEnd(): void;
}

const MAX_GIT_PROTOCOL = 256;

/** Serves one accepted session. */
export function serveSession(session: Session, handlers: SshSessionHandlers): void {
  let gitProtocol: string | null = null;
  let ended = false;
  const end = (): void => {
    if (ended) return;
    ended = true;
    handlers.onEnd();
  };
  session.once('close', end);

  session.on('env', (accept, reject, info) => {
    if (info.key === 'GIT_PROTOCOL' && info.val.length <= MAX_GIT_PROTOCOL) {
      gitProtocol = info.val;
      accept?.();
    } else {
      reject?.();
    }
  });
  session.once('exec', (accept, _reject, info) => {
    const channel = opened(accept());
    if (!channel) return;
    channel.once('close', end);
    void handlers.exec(channel, info.command, gitProtocol);
  });
  session.once('shell', (accept) => {
    refuse(accept(), `Hi ${handlers.username}! You've successfully authenticated, but gitgate does not provide shell access.`);
  });
  session.once('subsystem', (accept, _reject, info) => {
    const name = info.name.replace(/[^\x21-\x7e]/g, '?').slice(0, 64);
    refuse(accept(), `The ${name} subsystem is not available; gitgate only serves git commands.`);
  });
}

/**
 * ssh2's accept() gives nothing once the session already runs something or
 * is ending; a channel gets error listeners, since an unhandled stream
 * 'error' (a write racing the client's close) would end the process.
 */
function opened(channel: ServerChannel | undefined): ServerChannel | null {
  if (!channel) return null;
  const ignore = (): void => undefined;
  channel.on('error', ignore);
  channel.stderr.on('error', ignore);
  return channel;
}

function refuse(accepted: ServerChannel | undefined, message: string): void {
  const channel = opened(accepted);
  if (channel) finish(channel, sshRefusal(new SshCommandError(message, 1)));
}
