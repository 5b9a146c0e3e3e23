// Tripletex ends a session at 00:00 Europe/Oslo at the start of its expirationDate. A UTC
// calendar is wrong for one or two hours every day, so every date here is an Oslo date.

export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

const osloDateFormat = new Intl.DateTimeFormat('en-CA', {
  timeZone: 'Europe/Oslo',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
});

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** The calendar date in Oslo at the instant `ms`, as YYYY-MM-DD. */
export function osloDate(ms: number): string {
  return osloDateFormat.format(new Date(ms));
}

/**
 * UTC midnight of a calendar date, right for every year 0000–9999. Date.UTC reads years 0–99
 * as 1900–1999, so `0001-01-01` plus a day would come out as `1901-01-02`; setUTCFullYear
 * takes the year as given.
 */
function utcMidnightOf(year: number, monthIndex: number, day: number): number {
  const at = new Date(0);
  at.setUTCFullYear(year, monthIndex, day);
  return at.getTime();
}

/** YYYY-MM-DD of a UTC instant, for years 0000–9999; RangeError outside them (no such date string exists). */
function isoDateOf(utc: number): string {
  const at = new Date(utc);
  const year = at.getUTCFullYear();
  if (!(year >= 0 && year <= 9999)) throw new RangeError(`the date falls outside the years 0000–9999`);
  return `${String(year).padStart(4, '0')}-${String(at.getUTCMonth() + 1).padStart(2, '0')}-${String(at.getUTCDate()).padStart(2, '0')}`;
}

export function addDays(date: string, days: number): string {
  const match = DATE.exec(date);
  if (!match) throw new RangeError(`not a YYYY-MM-DD date: ${date}`);
  return isoDateOf(utcMidnightOf(Number(match[1]), Number(match[2]) - 1, Number(match[3]) + days));
}

/**
 * The instant Oslo's clocks show 00:00 on `date`. Oslo is UTC+1 or UTC+2 and its DST
 * switches happen at 01:00 UTC, never at midnight, so exactly one of the two candidates is it.
 */
export function osloMidnight(date: string): number {
  const match = DATE.exec(date);
  if (!match) throw new RangeError(`not a YYYY-MM-DD date: ${date}`);
  const utcMidnight = utcMidnightOf(Number(match[1]), Number(match[2]) - 1, Number(match[3]));
  for (const offsetHours of [1, 2]) {
    const candidate = utcMidnight - offsetHours * 3_600_000;
    if (osloDate(candidate) === date && osloDate(candidate - 1) !== date) return candidate;
  }
  throw new RangeError(`cannot place Oslo midnight of ${date}`);
}
