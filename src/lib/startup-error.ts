/** Failures that stop gitgate at start, and how they name what to fix. */

/** Why gitgate cannot start, in one line that names the setting to fix. */
export class StartupError extends Error {
  override readonly name = 'StartupError';

  constructor(
    /** The environment variable to look at, e.g. `DATABASE_URL`. */
    readonly setting: string,
    /** The whole line, the setting included. */
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** The database does not exist yet, and the caller may not create it (the CLI: only `serve` creates one). */
export class DatabaseNotCreatedError extends Error {
  override readonly name = 'DatabaseNotCreatedError';
}

/** `url` without its password (and without the query, which may carry one), for messages and logs. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    parsed.search = '';
    return parsed.toString();
  } catch {
    return '(unparsable URL)';
  }
}
