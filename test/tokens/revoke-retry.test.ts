/**
 * A revoke or rotation that stored the revocation but could not advance the
 * revocation generation (the database went away between the two steps) is
 * answered with an error while Redis still holds the token as valid; the
 * caller's retry must finish the invalidation instead of only saying the
 * token is already revoked.
 */
import { randomBytes } from 'node:crypto';
import pino from 'pino';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { AuditLog } from '../../src/audit/audit-log.js';
import { createTokenCache } from '../../src/cache/token-cache.js';
import { systemClock } from '../../src/lib/clock.js';
import { UnavailableError, ValidationError } from '../../src/lib/errors.js';
import { createMetrics } from '../../src/lib/metrics.js';
import { openStores } from '../../src/storage/stores.js';
import { StoreTokenLookup } from '../../src/tokens/store-token-lookup.js';
import { TokenCodec } from '../../src/tokens/token-codec.js';
import type { RevocationGenerationStore } from '../../src/tokens/revocation-generation.store.js';
import { TokenService } from '../../src/tokens/token.service.js';
import { createTestDatabase, databaseKinds } from '../support/databases.js';
import { newUser } from '../storage/harness.js';

const ADMIN = { id: 0, username: '(test)', isAdmin: true };
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const redisUrl = inject('redisUrl');

describe.runIf(redisUrl !== null).each(databaseKinds())('a revoke retried after its invalidation failed, on %s with Redis', (kind) => {
  async function setUp() {
    const db = await createTestDatabase(kind);
    cleanups.push(db.drop);
    const stores = await openStores(db.config);
    cleanups.push(() => stores.close());
    const metrics = createMetrics();
    let failNext = false;
    // The database failing between the two steps: advancing the generation is refused once.
    const generations: RevocationGenerationStore = {
      current: () => stores.revocationGeneration.current(),
      advance: () => {
        if (!failNext) return stores.revocationGeneration.advance();
        failNext = false;
        return Promise.reject(new UnavailableError('postgres database unavailable'));
      },
    };
    const caches = createTokenCache({
      store: new StoreTokenLookup(stores.tokens, stores.users),
      generations,
      redisUrl: redisUrl!,
      redisPrefix: `gitgate-test-${randomBytes(6).toString('hex')}:`,
      externalChanges: null,
      banPolicy: { enabled: false, maxRetry: 10, findTimeSeconds: 60, banTimeSeconds: 3600, allowlist: [] },
      logger: pino({ level: 'silent' }),
      metrics,
    });
    cleanups.push(() => caches.close());
    await caches.connected(5000);
    const cache = caches.lookup;
    const tokens = new TokenService({
      tokens: stores.tokens,
      users: stores.users,
      codec: new TokenCodec('glpat-', Buffer.alloc(32, 7)),
      lookup: cache,
      projects: { resolveProject: async () => null },
      clock: systemClock,
      maxLifetimeDays: null,
      audit: new AuditLog({ store: stores.audit, clock: systemClock, logger: pino({ level: 'silent' }), metrics }),
    });
    const user = await stores.users.create(newUser());
    const { token } = await tokens.create(ADMIN, user.id, { name: 'ci', scopes: ['api'] });
    // Until the first generation poll and the subscription, nothing is cached: wait for a cache hit.
    const hits = async () =>
      (await metrics.tokenLookups.get()).values.filter((v) => v.labels.tier !== 'store' && v.labels.result === 'hit').reduce((sum, v) => sum + v.value, 0);
    for (let before = await hits(); ; before = await hits()) {
      expect((await cache.find(token.digest))?.revoked).toBe(false);
      if ((await hits()) > before) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return { cache, tokens, token, failOnce: () => (failNext = true) };
  }

  it('revoke: the retry invalidates, then says it was already revoked', async () => {
    const { cache, tokens, token, failOnce } = await setUp();
    failOnce();
    await expect(tokens.revoke(ADMIN, token.id)).rejects.toBeInstanceOf(UnavailableError);
    expect((await cache.find(token.digest))?.revoked).toBe(false);
    await expect(tokens.revoke(ADMIN, token.id)).rejects.toThrow(ValidationError);
    expect((await cache.find(token.digest))?.revoked).toBe(true);
  });

  it('rotate: the retry invalidates the old token, then says it is not active', async () => {
    const { cache, tokens, token, failOnce } = await setUp();
    failOnce();
    await expect(tokens.rotate(ADMIN, token.id)).rejects.toBeInstanceOf(UnavailableError);
    expect((await cache.find(token.digest))?.revoked).toBe(false);
    await expect(tokens.rotate(ADMIN, token.id)).rejects.toThrow('Token is not active');
    expect((await cache.find(token.digest))?.revoked).toBe(true);
  });
});
