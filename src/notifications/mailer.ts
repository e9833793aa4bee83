/** One plain-text e-mail to one recipient; the sender is the mailer's own. */
export interface MailMessage {
  to: string;
  subject: string;
  text: string;
}

/**
 * Hands messages to a mail server. Implemented over SMTP in src/mail,
 * wired only by the composition root.
 */
export interface Mailer {
  /** Resolves once the server accepted the message; rejects when it did not. */
  send(message: MailMessage): Promise<void>;
  /** Closes connections; idempotent. */
  close(): Promise<void>;
}
