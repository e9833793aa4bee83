/**
 * GitLab's access levels: what a member (or an administrator, or the public)
 * may do in a project, shared by every service that decides access.
 */

/** GitLab's numeric access levels. */
export const AccessLevel = {
  none: 0,
  guest: 10,
  reporter: 20,
  developer: 30,
  maintainer: 40,
  owner: 50,
} as const;

export type AccessLevelName = keyof typeof AccessLevel;
export type AccessLevelValue = (typeof AccessLevel)[AccessLevelName];
