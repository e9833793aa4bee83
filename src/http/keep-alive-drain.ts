/**
 * Ends HTTP keep-alive when a server starts to drain. Node's `server.close()`
 * stops accepting and closes idle connections, but a connection busy at that
 * moment stays open after its response and takes further requests — which a
 * draining gitgate answers 503. A balancer that keeps upstream connections
 * alive (nginx's `keepalive`) would send clients' requests there until the
 * instance exits. Once draining, every response not yet begun says
 * `Connection: close`, and a connection whose response was already under
 * way is closed as soon as that response is done, so the balancer opens a
 * connection to another instance instead.
 */
import type { Server, ServerResponse } from 'node:http';

export class KeepAliveDrain {
  #draining = false;
  readonly #open = new Set<ServerResponse>();

  /** Follows `server`'s responses from now on. */
  constructor(server: Server) {
    // Before the application's listener: the flag must be set before anything writes the headers.
    server.prependListener('request', (_req, res: ServerResponse) => {
      if (this.#draining) {
        res.shouldKeepAlive = false;
        return;
      }
      this.#open.add(res);
      res.once('close', () => this.#open.delete(res));
    });
  }

  /** Stops keep-alive on every connection: responses to come close theirs, responses under way close theirs when done. */
  start(): void {
    if (this.#draining) return;
    this.#draining = true;
    for (const res of this.#open) {
      if (!res.headersSent) res.shouldKeepAlive = false;
      // Ended right behind the response's last byte: a balancer reading that byte sees the close with it,
      // before it could hand the connection another request.
      else {
        const socket = res.socket;
        res.once('finish', () => socket?.destroySoon());
      }
    }
    this.#open.clear();
  }
}
