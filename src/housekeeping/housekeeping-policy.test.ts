import { describe, expect, it } from 'vitest';
import { DEFAULT_HOUSEKEEPING, dueAfterPush } from './housekeeping-policy.js';

describe('dueAfterPush', () => {
  it("follows GitLab's periods: an incremental run every 10th push, a full one every 50th", () => {
    const due = Array.from({ length: 50 }, (_, i) => [i + 1, dueAfterPush(i + 1, DEFAULT_HOUSEKEEPING)] as const).filter(([, kind]) => kind);
    expect(due).toEqual([
      [10, 'incremental'],
      [20, 'incremental'],
      [30, 'incremental'],
      [40, 'incremental'],
      [50, 'full'],
    ]);
  });

  it('makes a missed full run up at the next incremental one (only a full run resets the counter)', () => {
    expect(dueAfterPush(60, DEFAULT_HOUSEKEEPING)).toBe('full');
    expect(dueAfterPush(55, DEFAULT_HOUSEKEEPING)).toBeNull();
  });

  it('runs nothing for a period of 0, or before the first push', () => {
    expect(dueAfterPush(0, DEFAULT_HOUSEKEEPING)).toBeNull();
    expect(dueAfterPush(10, { ...DEFAULT_HOUSEKEEPING, incrementalEvery: 0 })).toBeNull();
    expect(dueAfterPush(50, { ...DEFAULT_HOUSEKEEPING, fullEvery: 0 })).toBe('incremental');
    expect(dueAfterPush(50, { incrementalEvery: 0, fullEvery: 0, concurrency: 1 })).toBeNull();
  });
});
