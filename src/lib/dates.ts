/** Calendar-date helpers; a "date" is an ISO `YYYY-MM-DD` string in UTC. */

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** True when `value` is a real calendar date written as `YYYY-MM-DD`. */
export function isIsoDate(value: string): boolean {
  const m = DATE.exec(value);
  if (!m) return false;
  const d = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === value;
}

/** Midnight UTC at the start of `date`. */
export function startOfDateUtc(date: string): Date {
  return new Date(`${date}T00:00:00Z`);
}

/** The UTC calendar date of `at`. */
export function utcDate(at: Date): string {
  return at.toISOString().slice(0, 10);
}

/** `date` plus `days` calendar days. */
export function addDays(date: string, days: number): string {
  const d = startOfDateUtc(date);
  d.setUTCDate(d.getUTCDate() + days);
  return utcDate(d);
}

/** Calendar days from `from` to `to` (negative when `to` is earlier). */
export function daysBetween(from: string, to: string): number {
  return Math.round((startOfDateUtc(to).getTime() - startOfDateUtc(from).getTime()) / 86_400_000);
}
