import { pino, type Logger, type DestinationStream } from 'pino';

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

/** The process logger: JSON lines, secrets redacted. */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      redact: { paths: REDACT_PATHS, censor: '[REDACTED]' },
      base: { service: 'gitgate' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
}
