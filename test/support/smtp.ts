/**
 * A real SMTP server on loopback (the `smtp-server` package) that keeps
 * what arrives, parsed with `mailparser`, so tests read the e-mails gitgate
 * sent as a mailbox would. It can refuse messages (a 4xx or 5xx reply) to
 * test retries, and requires a password when given one.
 */
import { simpleParser } from 'mailparser';
import { SMTPServer, type SMTPServerAuthentication, type SMTPServerDataStream } from 'smtp-server';

/** One message as the server received it. */
export interface ReceivedMail {
  /** Envelope recipients (RCPT TO). */
  to: string[];
  from: string;
  subject: string;
  text: string;
  /** The whole message as it came over the wire. */
  raw: string;
}

export interface TestSmtpServer {
  /** `smtp://…` for GITGATE_SMTP_URL (with the credentials when it requires them). */
  url: string;
  port: number;
  received: ReceivedMail[];
  /** Resolves once `count` messages in all have arrived; rejects after `timeoutMs`. */
  waitForCount(count: number, timeoutMs?: number): Promise<ReceivedMail[]>;
  /** Refuses the next `times` messages with `code` (451: try later; 550: never). */
  refuseNext(times: number, code: number): void;
  stop(): Promise<void>;
}

/** Starts the server on 127.0.0.1 and a free port. */
export async function startSmtpServer(options: { user?: string; password?: string } = {}): Promise<TestSmtpServer> {
  const received: ReceivedMail[] = [];
  let refusals: { times: number; code: number } = { times: 0, code: 0 };
  const arrivals: Array<() => void> = [];
  const server = new SMTPServer({
    secure: false,
    disabledCommands: ['STARTTLS'],
    authOptional: options.user === undefined,
    logger: false,
    onAuth(auth: SMTPServerAuthentication, _session, callback) {
      if (auth.username === options.user && auth.password === options.password) callback(null, { user: auth.username });
      else callback(new Error('Invalid username or password'));
    },
    onData(stream: SMTPServerDataStream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        if (refusals.times > 0) {
          refusals = { ...refusals, times: refusals.times - 1 };
          callback(Object.assign(new Error('Refused by the test'), { responseCode: refusals.code }));
          return;
        }
        const raw = Buffer.concat(chunks).toString('utf8');
        simpleParser(raw).then(
          (mail) => {
            received.push({
              to: session.envelope.rcptTo.map((r) => r.address),
              from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
              subject: mail.subject ?? '',
              text: mail.text ?? '',
              raw,
            });
            for (const wake of arrivals.splice(0)) wake();
            callback();
          },
          (err: Error) => callback(err),
        );
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  server.on('error', () => undefined);
  const address = server.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  const credentials = options.user !== undefined ? `${encodeURIComponent(options.user)}:${encodeURIComponent(options.password ?? '')}@` : '';
  return {
    url: `smtp://${credentials}127.0.0.1:${port}`,
    port,
    received,
    waitForCount: (count, timeoutMs = 10_000) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`${received.length} of ${count} e-mails arrived within ${timeoutMs} ms`)), timeoutMs);
        const check = (): void => {
          if (received.length >= count) {
            clearTimeout(timer);
            resolve(received.slice());
          } else arrivals.push(check);
        };
        check();
      }),
    refuseNext: (times, code) => {
      refusals = { times, code };
    },
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
