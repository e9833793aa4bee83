import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The directory of gitgate's own package (for fixtures shipped with it). */
export const PACKAGE_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
