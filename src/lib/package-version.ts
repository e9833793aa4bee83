/** gitgate's own version, from its package.json. */
import fs from 'node:fs';
import path from 'node:path';
import { PACKAGE_ROOT } from './package-root.js';

const manifest: unknown = JSON.parse(fs.readFileSync(path.join(PACKAGE_ROOT, 'package.json'), 'utf8'));

/** The `version` of gitgate's package.json, e.g. `0.1.0`. */
export const PACKAGE_VERSION: string =
  typeof manifest === 'object' && manifest !== null && typeof (manifest as { version?: unknown }).version === 'string'
    ? (manifest as { version: string }).version
    : '0.0.0';
