import { describe, expect, it } from 'vitest';
import { OverloadedError, TooManyRequestsError, UnavailableError } from '../lib/errors.js';
import { DEFAULT_OPERATION_LIMITS, GitOperations, RETRY_AFTER_SECONDS } from './git-operations.js';

describe('GitOperations', () => {
  it('counts operations and resolves idle() when the last one ends', async () => {
    const ops = new GitOperations();
    await ops.idle();
    const endA = ops.begin('192.0.2.1', () => undefined);
    const endB = ops.begin('192.0.2.1', () => undefined);
    expect(ops.active).toBe(2);
    let idle = false;
    const waiting = ops.idle().then(() => (idle = true));
    endA();
    endA();
    await Promise.resolve();
    expect(idle).toBe(false);
    endB();
    await waiting;
    expect(ops.active).toBe(0);
  });

  it('drain returns as soon as running operations end', async () => {
    const ops = new GitOperations();
    const end = ops.begin('192.0.2.1', () => undefined);
    const drained = ops.drain(60_000);
    expect(ops.closing).toBe(true);
    end();
    await drained;
  });

  it('drain terminates what is left after its timeout, then waits for it', async () => {
    const ops = new GitOperations();
    let terminated = 0;
    const end = ops.begin('192.0.2.1', () => {
      terminated++;
      setImmediate(end);
    });
    await ops.drain(10);
    expect(terminated).toBe(1);
    expect(ops.active).toBe(0);
  });

  it('refuses new operations once draining', async () => {
    const ops = new GitOperations();
    await ops.drain(10);
    expect(() => ops.begin('192.0.2.1', () => undefined)).toThrow(UnavailableError);
  });

  it('refuses an address beyond its limit with a 429, while other addresses still run', () => {
    const ops = new GitOperations({ maxOperations: 10, maxPerAddress: 2 });
    const ends = [ops.begin('192.0.2.1', () => undefined), ops.begin('192.0.2.1', () => undefined)];
    let refusal: unknown;
    try {
      ops.begin('192.0.2.1', () => undefined);
    } catch (err) {
      refusal = err;
    }
    expect(refusal).toBeInstanceOf(TooManyRequestsError);
    expect((refusal as TooManyRequestsError).status).toBe(429);
    expect((refusal as TooManyRequestsError).retryAfterSeconds).toBe(RETRY_AFTER_SECONDS);
    expect((refusal as Error).message).not.toContain('\n');
    const other = ops.begin('192.0.2.2', () => undefined);
    expect(ops.activeFrom('192.0.2.1')).toBe(2);
    expect(ops.refusals).toEqual({ address: 1, total: 0 });
    // An ended operation frees its address's slot; ending twice frees one.
    ends[0]!();
    ends[0]!();
    expect(ops.activeFrom('192.0.2.1')).toBe(1);
    ops.begin('192.0.2.1', () => undefined);
    expect(() => ops.begin('192.0.2.1', () => undefined)).toThrow(TooManyRequestsError);
    other();
    expect(ops.activeFrom('192.0.2.2')).toBe(0);
  });

  it('counts an IPv6 client by its /64', () => {
    const ops = new GitOperations({ maxOperations: 10, maxPerAddress: 1 });
    ops.begin('2001:db8:1:2::1', () => undefined);
    expect(() => ops.begin('2001:db8:1:2::99', () => undefined)).toThrow(TooManyRequestsError);
    ops.begin('2001:db8:1:3::1', () => undefined);
  });

  it('refuses everyone beyond the global limit with a 503 that says why', () => {
    const ops = new GitOperations({ maxOperations: 2, maxPerAddress: 2 });
    const end = ops.begin('192.0.2.1', () => undefined);
    ops.begin('192.0.2.2', () => undefined);
    expect(() => ops.begin('192.0.2.3', () => undefined)).toThrow(OverloadedError);
    try {
      ops.begin('192.0.2.3', () => undefined);
    } catch (err) {
      expect(err).toBeInstanceOf(UnavailableError);
      expect((err as OverloadedError).status).toBe(503);
      expect((err as OverloadedError).retryAfterSeconds).toBe(RETRY_AFTER_SECONDS);
    }
    expect(ops.refusals).toEqual({ address: 0, total: 2 });
    end();
    ops.begin('192.0.2.3', () => undefined);
  });

  it('has defaults that fit a CI fleet behind one address', () => {
    expect(new GitOperations().limits).toEqual(DEFAULT_OPERATION_LIMITS);
    expect(DEFAULT_OPERATION_LIMITS.maxPerAddress).toBeGreaterThanOrEqual(32);
    expect(DEFAULT_OPERATION_LIMITS.maxOperations).toBeGreaterThanOrEqual(DEFAULT_OPERATION_LIMITS.maxPerAddress);
  });
});
