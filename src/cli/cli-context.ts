/** What every CLI command module needs from the program that runs it. */
import type { System } from '../system.js';

/** Runs a command against a composed system, closing it afterwards. */
export type WithSystem = (action: (system: System) => Promise<void>) => Promise<void>;

/** Exit status for bad arguments (DESIGN.md's command line section). */
export const EXIT_USAGE = 2;

/** Thrown by commands for a one-line usage error (exit status 2). */
export class UsageError extends Error {}

/** What a command names does not exist (exit status 2; the message is followed by where the CLI looked). */
export class MissingError extends UsageError {}
