/**
 * The logger of a gitgate process (the server or a CLI command): JSON lines
 * on stdout for log collectors, or pino-pretty's readable lines for a
 * person at a terminal. pino-pretty is an optional dependency; without it
 * the output is JSON.
 */
import { createRequire } from 'node:module';
import type { Writable } from 'node:stream';
import { pino, type DestinationStream, type Logger } from 'pino';
import { loggerOptions } from './logger.js';

/** GITGATE_LOG_FORMAT: `json`, `pretty`, or `auto` (pretty when stdout is a terminal). */
export type LogFormat = 'auto' | 'json' | 'pretty';

/** A process logger and the format it writes. */
export interface ProcessLogger {
  logger: Logger;
  format: 'json' | 'pretty';
}

/** Where and on what the process logger writes; tests replace stdout. */
export interface LogOutput {
  /** Whether the output is a terminal (colours, and what `auto` picks). */
  isTTY: boolean;
  /** Default: stdout. */
  stream?: Writable;
}

type PrettyFactory = (options: Record<string, unknown>) => DestinationStream;

/**
 * Creates the process logger for `level` and `format`. `pretty` (or `auto`
 * on a terminal) uses pino-pretty when it is installed; when `pretty` was
 * asked for and it is not, the logger writes JSON and says so once.
 * Pretty output is written synchronously, so a fatal line is out before the
 * process exits.
 */
export function createProcessLogger(
  settings: { level: string; format: LogFormat },
  output: LogOutput = { isTTY: process.stdout.isTTY === true },
): ProcessLogger {
  const wantsPretty = settings.format === 'pretty' || (settings.format === 'auto' && output.isTTY);
  const pretty = wantsPretty ? loadPinoPretty() : null;
  if (pretty) {
    const stream = pretty({
      colorize: output.isTTY,
      sync: true,
      ignore: 'pid,hostname,service',
      translateTime: 'SYS:yyyy-mm-dd HH:MM:ss.l',
      ...(output.stream ? { destination: output.stream } : {}),
    });
    return { logger: pino(loggerOptions(settings.level), stream), format: 'pretty' };
  }
  const logger = output.stream ? pino(loggerOptions(settings.level), output.stream) : pino(loggerOptions(settings.level));
  if (settings.format === 'pretty') logger.warn('GITGATE_LOG_FORMAT is pretty but pino-pretty is not installed; logging JSON');
  return { logger, format: 'json' };
}

/** pino-pretty's factory, or null when the optional dependency is not installed. */
function loadPinoPretty(): PrettyFactory | null {
  try {
    return createRequire(import.meta.url)('pino-pretty') as PrettyFactory;
  } catch (err) {
    if ((err as { code?: unknown }).code === 'MODULE_NOT_FOUND') return null;
    throw err;
  }
}
