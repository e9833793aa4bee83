import { describe, expect, it } from 'vitest';
import { UnavailableError } from '../lib/errors.js';
import { GitOperations } from './git-operations.js';

describe('GitOperations', () => {
  it('counts operations and resolves idle() when the last one ends', async () => {
    const ops = new GitOperations();
    await ops.idle();
    const endA = ops.begin(() => undefined);
    const endB = ops.begin(() => undefined);
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
    const end = ops.begin(() => undefined);
    const drained = ops.drain(60_000);
    expect(ops.closing).toBe(true);
    end();
    await drained;
  });

  it('drain terminates what is left after its timeout, then waits for it', async () => {
    const ops = new GitOperations();
    let terminated = 0;
    const end = ops.begin(() => {
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
    expect(() => ops.begin(() => undefined)).toThrow(UnavailableError);
  });
});
