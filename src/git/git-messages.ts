/**
 * Words both git edges (smart HTTP and SSH) show a git client, as GitLab
 * words them, so a refusal reads the same whichever transport asked.
 */

/** A project that does not exist and one the caller may not see get this same answer. */
export const PROJECT_NOT_FOUND =
  "The project you were looking for could not be found or you don't have permission to view it.";
