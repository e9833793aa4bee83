/**
 * The e-mails token owners get, as plain text: what happened to which
 * token, what it means, and where to make a new one. Never the token, nor
 * any part of it.
 */
import { accessTokensUrl } from '../lib/access-tokens-page.js';
import { daysBetween } from '../lib/dates.js';
import type { MailMessage } from './mailer.js';
import type { PendingNotification } from './notification.js';

/** Where the texts point: the instance's external URL. */
export interface MailContext {
  externalUrl: string;
  /** Today's UTC date, YYYY-MM-DD, for "in N days". */
  today: string;
}

function inDays(days: number): string {
  if (days <= 0) return 'today';
  return days === 1 ? 'tomorrow' : `in ${days} days`;
}

/** The body's paragraphs for `n`, after the greeting. */
function paragraphs(n: PendingNotification, newTokenUrl: string, today: string): { subject: string; body: string[] } {
  const name = `"${n.token.name}"`;
  const expires = n.token.expiresAt ?? '';
  const replace = `Create a new token at ${newTokenUrl} and put it wherever this one is used (CI variables, credential helpers, scripts).`;
  switch (n.kind) {
    case 'expires_in_30_days':
    case 'expires_in_7_days':
      return {
        subject: `Your personal access token ${name} expires on ${expires}`,
        body: [
          `Your personal access token ${name} expires on ${expires} (${inDays(daysBetween(today, expires))}). From 00:00 UTC on that date, git, API and registry requests made with it are refused.`,
          replace,
        ],
      };
    case 'expired':
      return {
        subject: `Your personal access token ${name} has expired`,
        body: [`Your personal access token ${name} expired on ${expires}: requests made with it are refused.`, replace],
      };
    case 'revoked_by_administrator':
      return {
        subject: `Your personal access token ${name} was revoked`,
        body: [`An administrator revoked your personal access token ${name}: requests made with it are refused.`, replace],
      };
    case 'revoked_by_leak_protection': {
      const where = n.leak ? ` in project ${n.leak.project}, commit ${n.leak.commit}, file ${n.leak.path}` : '';
      return {
        subject: `Your personal access token ${name} was found in a repository and revoked`,
        body: [
          `Your personal access token ${name} was found in a push${where}. The push was refused and the token revoked: requests made with it are refused.`,
          'Remove the token from the commit before pushing again.',
          replace,
        ],
      };
    }
  }
}

/** The e-mail for notice `n`. */
export function tokenMail(n: PendingNotification, context: MailContext): MailMessage {
  const newTokenUrl = accessTokensUrl(context.externalUrl);
  const { subject, body } = paragraphs(n, newTokenUrl, context.today);
  const text = [`Hello ${n.owner.name},`, ...body, `-- \ngitgate at ${context.externalUrl}`].join('\n\n');
  return { to: n.owner.email, subject, text: `${text}\n` };
}

/**
 * Whether mail to the owner can go out: an active account with a real
 * address. `.invalid` is reserved (RFC 2606) and is what gitgate gives
 * accounts created without an address (`<username>@gitgate.invalid`).
 */
export function isDeliverable(owner: PendingNotification['owner']): boolean {
  return owner.state === 'active' && !/\.invalid$/i.test(owner.email.trim());
}
