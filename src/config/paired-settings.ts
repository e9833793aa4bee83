/** Settings that only work together: setting one without the other is refused, not guessed. */

const PAIRS: ReadonlyArray<readonly [string, string, string]> = [
  // [setting, its partner, what the partner is for]
  ['GITGATE_SMTP_URL', 'GITGATE_EMAIL_FROM', 'the sender of every e-mail'],
  ['GITGATE_EMAIL_FROM', 'GITGATE_SMTP_URL', 'nothing is sent without a mail server'],
  ['GITGATE_AUDIT_WEBHOOK_URL', 'GITGATE_AUDIT_WEBHOOK_SECRET', 'events posted unsigned could be forged by anyone who can reach the receiver'],
];

/** A `NAME reason` line for each setting that is missing its set partner. */
export function unpairedSettings(values: Readonly<Record<string, string>>): string[] {
  return PAIRS.filter(([set, partner]) => values[set] !== undefined && values[partner] === undefined).map(
    ([set, partner, why]) => `${partner} must be set when ${set} is (${why})`,
  );
}
