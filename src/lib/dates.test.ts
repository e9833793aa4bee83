import { describe, expect, it } from 'vitest';
import { addDays, daysBetween, isIsoDate, startOfDateUtc, utcDate } from './dates.js';

describe('dates', () => {
  it('accepts only real YYYY-MM-DD dates', () => {
    expect(isIsoDate('2026-02-28')).toBe(true);
    expect(isIsoDate('2028-02-29')).toBe(true);
    for (const bad of ['2026-02-29', '2026-13-01', '2026-1-01', '20260101', '2026-01-01T00:00:00Z', '']) {
      expect(isIsoDate(bad), bad).toBe(false);
    }
  });

  it('works in UTC', () => {
    expect(startOfDateUtc('2026-03-10').toISOString()).toBe('2026-03-10T00:00:00.000Z');
    expect(utcDate(new Date('2026-03-09T23:59:59.999Z'))).toBe('2026-03-09');
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01');
  });

  it('counts calendar days between dates, across a leap day and backwards', () => {
    expect(daysBetween('2028-02-28', '2028-03-01')).toBe(2);
    expect(daysBetween('2026-12-10', '2026-12-10')).toBe(0);
    expect(daysBetween('2026-12-10', '2026-12-03')).toBe(-7);
  });
});
