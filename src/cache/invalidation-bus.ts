/**
 * Cross-instance invalidation over Redis pub/sub, acknowledged: the
 * publisher waits until every subscribed instance (itself included) has
 * applied the message, so a revocation is visible everywhere when the call
 * that made it returns. An instance whose subscription is down cannot know
 * what it missed, so it reports `ready() === false` and its callers must not
 * trust their in-process tier until it is back.
 */
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Counter } from 'prom-client';
import type { Metrics } from '../lib/metrics.js';

interface Message {
  id: string;
  from: string;
  digests: string[];
  /** The revocation generation the change advanced to. */
  generation?: number;
}

interface Pending {
  acks: number;
  expected: number | null;
  done: () => void;
}

export interface InvalidationBusOptions {
  /** Connection used only for SUBSCRIBE (subscriber mode). */
  subscriber: Redis;
  /** Connection for PUBLISH. */
  publisher: Redis;
  prefix: string;
  logger: Logger;
  metrics: Metrics;
  ackTimeoutMs?: number;
  /**
   * What is invalidated: its channels are `<prefix><topic>-invalidate` and
   * `<prefix><topic>-ack:<instance>`, its publications counted in that
   * metric. Default: the token cache's (`pat`, `cacheInvalidations`).
   */
  topic?: { name: string; counter: Counter<'result'>; what: string };
}

export class InvalidationBus {
  private readonly instanceId = randomUUID();
  private readonly channel: string;
  private readonly ackChannel: string;
  private readonly ackPrefix: string;
  private readonly counter: Counter<'result'>;
  private readonly what: string;
  private readonly pending = new Map<string, Pending>();
  private readonly handlers: Array<(digests: string[], generation: number | null) => void> = [];
  private readonly resetHandlers: Array<() => void> = [];
  private subscribed = false;

  constructor(private readonly options: InvalidationBusOptions) {
    const topic = options.topic?.name ?? 'pat';
    this.channel = `${options.prefix}${topic}-invalidate`;
    this.ackPrefix = `${options.prefix}${topic}-ack:`;
    this.ackChannel = `${this.ackPrefix}${this.instanceId}`;
    this.counter = options.topic?.counter ?? options.metrics.cacheInvalidations;
    this.what = options.topic?.what ?? 'token cache invalidation';
    const sub = options.subscriber;
    sub.on('message', (channel: string, payload: string) => this.onMessage(channel, payload));
    sub.on('ready', () => void this.subscribe());
    sub.on('close', () => this.lost());
    if (sub.status === 'ready') void this.subscribe();
  }

  /** True while this instance is certain to receive every invalidation. */
  ready(): boolean {
    return this.subscribed && this.options.subscriber.status === 'ready';
  }

  /** Registers what to do with invalidated digests (and the generation they come with, when known). */
  onInvalidate(handler: (digests: string[], generation: number | null) => void): void {
    this.handlers.push(handler);
  }

  /** Registers what to do when messages may have been missed (subscription lost or regained). */
  onReset(handler: () => void): void {
    this.resetHandlers.push(handler);
  }

  /**
   * Publishes and waits for every subscriber's acknowledgement (or the ack
   * timeout). Resolves to true when every subscriber acknowledged, false
   * when one did not in time; rejects when Redis is unreachable.
   */
  async publish(digests: readonly string[], generation: number): Promise<boolean> {
    const id = randomUUID();
    const message: Message = { id, from: this.instanceId, digests: [...digests], generation };
    let timer: NodeJS.Timeout | undefined;
    const acknowledged = new Promise<boolean>((resolve) => {
      this.pending.set(id, { acks: 0, expected: null, done: () => resolve(true) });
      timer = setTimeout(() => resolve(false), this.options.ackTimeoutMs ?? 1000);
    });
    try {
      const receivers = await this.options.publisher.publish(this.channel, JSON.stringify(message));
      const entry = this.pending.get(id)!;
      entry.expected = receivers;
      if (entry.acks >= receivers) entry.done();
      const complete = await acknowledged;
      this.counter.inc({ result: complete ? 'acknowledged' : 'timeout' });
      if (!complete) {
        this.options.logger.warn({ receivers, acks: entry.acks }, `${this.what} not acknowledged by every instance`);
      }
      return complete;
    } catch (err) {
      this.counter.inc({ result: 'error' });
      throw err;
    } finally {
      clearTimeout(timer);
      this.pending.delete(id);
    }
  }

  private async subscribe(): Promise<void> {
    try {
      await this.options.subscriber.subscribe(this.channel, this.ackChannel);
      // Anything published while we were away is unknown: start clean.
      this.resetHandlers.forEach((h) => h());
      this.subscribed = true;
    } catch (err) {
      this.options.logger.warn({ err: (err as Error).message }, 'redis subscribe failed');
    }
  }

  private lost(): void {
    if (!this.subscribed) return;
    this.subscribed = false;
    this.resetHandlers.forEach((h) => h());
  }

  private onMessage(channel: string, payload: string): void {
    if (channel === this.ackChannel) {
      const entry = this.pending.get(payload);
      if (!entry) return;
      entry.acks += 1;
      if (entry.expected !== null && entry.acks >= entry.expected) entry.done();
      return;
    }
    if (channel !== this.channel) return;
    let message: Message;
    try {
      message = JSON.parse(payload) as Message;
      if (!Array.isArray(message.digests) || typeof message.from !== 'string') throw new Error('bad message');
    } catch {
      this.options.logger.warn(`ignoring a malformed ${this.what} message`);
      return;
    }
    const generation = Number.isSafeInteger(message.generation) ? (message.generation as number) : null;
    this.handlers.forEach((h) => h(message.digests, generation));
    this.options.publisher
      .publish(`${this.ackPrefix}${message.from}`, message.id)
      .catch((err: Error) => this.options.logger.warn({ err: err.message }, `could not acknowledge a ${this.what}`));
  }
}
