/**
 * The Mailer over SMTP, with nodemailer: `GITGATE_SMTP_URL` as nodemailer
 * reads a connection URL (`smtp://user:pass@host:587` upgrades with
 * STARTTLS when the server offers it, `smtps://…:465` is TLS from the
 * start; query parameters such as `?requireTLS=true` set transport options),
 * one connection per message. Wired only by the composition root.
 */
import nodemailer from 'nodemailer';
import type { Mailer, MailMessage } from '../notifications/mailer.js';

/** Bounds of one delivery, so a silent server cannot hold the sweep (and its lease) for long. */
const TIMEOUTS = { connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 30_000 };

export class SmtpMailer implements Mailer {
  private readonly transport: ReturnType<typeof nodemailer.createTransport>;

  /** `from`: the sender of every message (`GITGATE_EMAIL_FROM`), an address or `Name <address>`. */
  constructor(url: string, from: string) {
    this.transport = nodemailer.createTransport({ url, ...TIMEOUTS }, { from });
  }

  async send(message: MailMessage): Promise<void> {
    await this.transport.sendMail({ to: message.to, subject: message.subject, text: message.text });
  }

  close(): Promise<void> {
    this.transport.close();
    return Promise.resolve();
  }
}
