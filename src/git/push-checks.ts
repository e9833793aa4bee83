/**
 * The gateway's end of secret push protection: a Unix socket that
 * gitgate's pre-receive hook (src/git/hooks/push-check-hook.mjs) asks while
 * git holds the pushed objects in quarantine. Each push gets a ticket; the
 * hook sends the token-shaped strings it found, learns which are live, then
 * reports where the live ones are, and gitgate revokes them (PushSecretGuard).
 *
 * Protocol: one JSON object per line each way, on one connection per push.
 *   → {"ticket":"…","op":"live","candidates":["glpat-…",…]}   ← {"ok":true,"live":["glpat-…"]}
 *   → {"ticket":"…","op":"leaked","leaks":[{"token","commit","path","line"}]}  ← {"ok":true}
 *   → {"ticket":"…","op":"skipped"}                              ← {"ok":true}
 * A refusal or failure is {"ok":false,"reason":"…"}; the hook then refuses
 * the push (fail closed). The socket lives in a directory only this user
 * can enter; a ticket is valid while its push runs.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Logger } from 'pino';
import type { LeakedToken, PushContext, PushSecretGuard } from '../identity/push-protection.js';
import { ForbiddenError } from '../lib/errors.js';
import { currentRequestContext, withRequestContext, type RequestContext } from '../lib/request-context.js';

/** Longest request line read from a hook (candidates of one push). */
const MAX_LINE_BYTES = 8 * 1024 * 1024;

interface Ticket {
  push: PushContext;
  request: RequestContext;
  /** Strings `live` answered as live tokens: only these may be reported as leaked. */
  live: Set<string>;
}

/** One push's right to ask; `env` goes to git's hooks, `close` ends it. */
export interface PushCheckTicket {
  env: Record<string, string>;
  close(): void;
}

/** The push check socket of this process. */
export class PushChecks {
  readonly #tickets = new Map<string, Ticket>();

  private constructor(
    private readonly server: net.Server,
    private readonly dir: string,
    private readonly socketPath: string,
    private readonly guard: PushSecretGuard,
    private readonly tokenPrefix: string,
    private readonly logger: Logger,
  ) {}

  /** Listens on a fresh socket in a private temporary directory. */
  static async start(guard: PushSecretGuard, tokenPrefix: string, logger: Logger): Promise<PushChecks> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gitgate-push-'));
    fs.chmodSync(dir, 0o700);
    const socketPath = path.join(dir, 'checks.sock');
    const server = net.createServer();
    const checks = new PushChecks(server, dir, socketPath, guard, tokenPrefix, logger);
    server.on('connection', (socket) => checks.serve(socket));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(socketPath, () => resolve());
    });
    return checks;
  }

  /** A ticket for one push by `push.pusher`, carrying the request's id and address for the audit log. */
  open(push: PushContext): PushCheckTicket {
    const id = randomBytes(24).toString('base64url');
    this.#tickets.set(id, { push, request: currentRequestContext(), live: new Set() });
    return {
      env: { GITGATE_PUSH_CHECK_SOCKET: this.socketPath, GITGATE_PUSH_CHECK_TICKET: id, GITGATE_TOKEN_PREFIX: this.tokenPrefix },
      close: () => this.#tickets.delete(id),
    };
  }

  /** Stops listening and removes the socket. */
  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    fs.rmSync(this.dir, { recursive: true, force: true });
  }

  private serve(socket: net.Socket): void {
    let buffered = '';
    let busy = Promise.resolve();
    socket.setEncoding('utf8');
    socket.on('error', () => undefined);
    socket.on('data', (text: string) => {
      buffered += text;
      if (buffered.length > MAX_LINE_BYTES) {
        socket.destroy();
        return;
      }
      let newline: number;
      while ((newline = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, newline);
        buffered = buffered.slice(newline + 1);
        busy = busy.then(async () => {
          const answer = await this.answer(line);
          if (!socket.destroyed) socket.write(`${JSON.stringify(answer)}\n`);
        });
      }
    });
  }

  private async answer(line: string): Promise<{ ok: true; live?: string[] } | { ok: false; reason: string }> {
    let request: unknown;
    try {
      request = JSON.parse(line);
    } catch {
      return { ok: false, reason: 'unreadable request' };
    }
    const r = request as { ticket?: unknown; op?: unknown; candidates?: unknown; leaks?: unknown };
    const ticket = typeof r.ticket === 'string' ? this.#tickets.get(r.ticket) : undefined;
    if (!ticket) return { ok: false, reason: 'unknown push' };
    try {
      return await withRequestContext(ticket.request, () => this.run(ticket, r));
    } catch (err) {
      if (err instanceof ForbiddenError) return { ok: false, reason: err.message };
      this.logger.error({ err, projectId: ticket.push.projectId }, 'secret push protection failed; push refused');
      return { ok: false, reason: 'secret push protection is unavailable right now' };
    }
  }

  private async run(ticket: Ticket, r: { op?: unknown; candidates?: unknown; leaks?: unknown }): Promise<{ ok: true; live?: string[] } | { ok: false; reason: string }> {
    if (r.op === 'live' && isStringList(r.candidates)) {
      const live = await this.guard.live(r.candidates);
      for (const token of live) ticket.live.add(token);
      return { ok: true, live };
    }
    if (r.op === 'leaked' && Array.isArray(r.leaks) && r.leaks.every(isLeak)) {
      const leaks = (r.leaks as LeakedToken[]).filter((leak) => ticket.live.has(leak.token));
      await this.guard.leaked(ticket.push, leaks);
      this.logger.warn(
        { projectId: ticket.push.projectId, pusherId: ticket.push.pusher?.id, tokens: new Set(leaks.map((l) => l.token)).size, commits: [...new Set(leaks.map((l) => l.commit))] },
        'secret push protection: live tokens found in a push; push refused, tokens revoked',
      );
      return { ok: true };
    }
    if (r.op === 'skipped') {
      await this.guard.skipped(ticket.push);
      return { ok: true };
    }
    return { ok: false, reason: 'unknown request' };
  }
}

function isStringList(v: unknown): v is string[] {
  return Array.isArray(v) && v.every((s) => typeof s === 'string' && s.length <= 256);
}

function isLeak(v: unknown): v is LeakedToken {
  const l = v as Partial<LeakedToken> | null;
  return typeof l === 'object' && l !== null && typeof l.token === 'string' && typeof l.commit === 'string' && typeof l.path === 'string' && Number.isInteger(l.line);
}
