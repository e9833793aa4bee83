/**
 * Whether a connection's git commands got past admission (GitOperations
 * registered them) — what a graceful stop waits for on SSH. A stop refuses
 * operations that begin after it; a client whose connection was accepted
 * just before is still in its handshake or authentication, and nginx's
 * stream module cannot retry it elsewhere. So the stop first lets every
 * open connection bring its command as far as admission, then drains.
 */
export class CommandAdmission {
  #arrived = 0;
  #pending = 0;

  /** A command arrived; the returned function (idempotent) says it was admitted or has ended. */
  arrived(): () => void {
    this.#arrived++;
    this.#pending++;
    let settled = false;
    return () => {
      if (settled) return;
      settled = true;
      this.#pending--;
    };
  }

  /** True once a command arrived and none is still on its way to admission. */
  get settled(): boolean {
    return this.#arrived > 0 && this.#pending === 0;
  }
}
