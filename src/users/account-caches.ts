/**
 * What other services cache about an account and must forget when it
 * changes. Declared here so that users/ depends on no other service: the
 * token service implements it (a token record carries its owner's state,
 * admin flag and 2FA) and the composition root hands it to UserService.
 */
export interface AccountCaches {
  /**
   * Forgets everything cached about the account; resolves once every
   * instance will see the change on its next request.
   */
  forget(userId: number): Promise<void>;
  /**
   * Called before the account is deleted (its tokens go with it): notes
   * what is cached now and returns the step that forgets it afterwards.
   */
  prepareDeletion(userId: number): Promise<() => Promise<void>>;
}
