/**
 * Synchronous stat calls that answer null instead of throwing. For the few
 * checks made on every request (repository paths, config and ref files),
 * where a bounded handful of stat(2) on hot dentries costs microseconds and a
 * round trip through libuv's thread pool costs more than the call itself.
 */
import fs from 'node:fs';

/** stat(2) of `file`, or null when it is missing or cannot be read. */
export function statOrNull(file: string): fs.Stats | null;
export function statOrNull(file: string, options: { bigint: true; lstat?: boolean }): fs.BigIntStats | null;
export function statOrNull(file: string, options?: { bigint: true; lstat?: boolean }): fs.Stats | fs.BigIntStats | null {
  try {
    if (!options) return fs.statSync(file, { throwIfNoEntry: false }) ?? null;
    const call = options.lstat ? fs.lstatSync : fs.statSync;
    return call(file, { bigint: true, throwIfNoEntry: false }) ?? null;
  } catch {
    return null;
  }
}
