import { pino, type Logger, type DestinationStream, type LoggerOptions } from 'pino';

/**
 * Paths pino censors wherever they appear in a log object. Request lines
 * never carry headers or query strings, but anything that slips in (an
 * error with a request attached, a debug dump) is still scrubbed.
 */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers["private-token"]',
  'req.headers["job-token"]',
  'req.headers.cookie',
  'headers.authorization',
  'headers["private-token"]',
  'headers.cookie',
  'authorization',
  'private_token',
  'privateToken',
  'password',
  'token',
  'secret',
  '*.authorization',
  '*.private_token',
  '*.password',
  '*.token',
  '*.secret',
];

/** Keys pino writes on every line by itself: level, time, message. */
const PINO_KEYS = ['level', 'time', 'msg'];

/** Per logger (the root and each child): the keys already on every line it writes. */
const lineKeys = new WeakMap<Logger, ReadonlySet<string>>();

function keysOnEveryLine(logger: Logger): ReadonlySet<string> {
  let keys = lineKeys.get(logger);
  if (!keys) {
    keys = new Set([...PINO_KEYS, ...Object.keys(logger.bindings())]);
    lineKeys.set(logger, keys);
  }
  return keys;
}

/**
 * The fields of one call, with every key the line already carries (pino's
 * own, the base `service`, a child logger's bindings such as `requestId`)
 * renamed by prefixing `_` until it is free. pino writes bindings and call
 * fields side by side, so without this a line could hold one key twice and
 * a JSON parser would keep only one of them.
 */
export function distinctFields(fields: object, taken: ReadonlySet<string>): object {
  let renamed: Record<string, unknown> | null = null;
  for (const key of Object.keys(fields)) {
    if (!taken.has(key)) continue;
    renamed ??= { ...fields };
    let free = `_${key}`;
    while (taken.has(free) || free in renamed) free = `_${free}`;
    renamed[free] = renamed[key];
    delete renamed[key];
  }
  return renamed ?? fields;
}

/** The options of every gitgate logger: level, redaction, ISO times, `service`, distinct keys. */
export function loggerOptions(level: string): LoggerOptions {
  return {
    level,
    redact: { paths: REDACT_PATHS, censor: '[REDACTED]' },
    base: { service: 'gitgate' },
    timestamp: pino.stdTimeFunctions.isoTime,
    // The mixin is the one hook that sees both a call's fields and the logger writing them (a child included).
    mixin: (fields, _level, logger) => distinctFields(fields, keysOnEveryLine(logger)),
    mixinMergeStrategy: (_fields, distinct) => distinct,
  };
}

/**
 * A logger writing JSON lines to `destination` (default: stdout), secrets
 * redacted, never a key twice on one line (see distinctFields).
 */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(loggerOptions(level), destination);
}
