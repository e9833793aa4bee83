/**
 * Every migration, in order. Listed statically (not globbed from disk) so the
 * set is fixed at build time and works from any working directory.
 * Names sort lexically; never rename or edit one that has shipped.
 */
import type { Migration } from 'kysely';
import type { DialectHelper } from '../dialects/dialect.js';
import { initialSchema } from './0001-initial.js';
import { accountLockouts } from './0002-account-lockouts.js';
import { otpLastTimestep } from './0003-otp-last-timestep.js';
import { sshKeys } from './0004-ssh-keys.js';
import { lockoutReservations } from './0005-lockout-reservations.js';
import { sessionGeneration } from './0006-session-generation.js';
import { revocationGeneration } from './0007-revocation-generation.js';
import { tokenRestrictions } from './0008-token-restrictions.js';
import { auditEvents } from './0009-audit-events.js';
import { tokenNotifications } from './0010-token-notifications.js';
import { repositoryHousekeeping } from './0011-repository-housekeeping.js';
import { installationFingerprints } from './0012-installation-fingerprints.js';

/** The migrations for `dialect`, keyed by their permanent names. */
export function allMigrations(dialect: DialectHelper): Record<string, Migration> {
  return {
    '0001_initial': initialSchema(dialect),
    '0002_account_lockouts': accountLockouts(dialect),
    '0003_otp_last_timestep': otpLastTimestep(),
    '0004_ssh_keys': sshKeys(dialect),
    '0005_lockout_reservations': lockoutReservations(dialect),
    '0006_session_generation': sessionGeneration(),
    '0007_revocation_generation': revocationGeneration(),
    '0008_token_restrictions': tokenRestrictions(),
    '0009_audit_events': auditEvents(dialect),
    '0010_token_notifications': tokenNotifications(dialect),
    '0011_repository_housekeeping': repositoryHousekeeping(dialect),
    '0012_installation_fingerprints': installationFingerprints(dialect),
  };
}
