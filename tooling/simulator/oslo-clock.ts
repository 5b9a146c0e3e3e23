// Tripletex ends a session at 00:00 Europe/Oslo on its expirationDate, so every date the
// simulator judges is an Oslo calendar date. Intl carries the tz database, so DST is handled
// the way the real server's clock would see it.

const OSLO = 'Europe/Oslo';

const partsFormat = new Intl.DateTimeFormat('en-CA', {
  timeZone: OSLO,
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hourCycle: 'h23',
});

interface OsloParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

function osloParts(ms: number): OsloParts {
  const out: Record<string, number> = {};
  for (const part of partsFormat.formatToParts(new Date(ms))) {
    if (part.type !== 'literal') out[part.type] = Number(part.value);
  }
  return { year: out.year!, month: out.month!, day: out.day!, hour: out.hour!, minute: out.minute!, second: out.second! };
}

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

/** The Oslo calendar date (YYYY-MM-DD) at an instant. */
export function osloDate(ms: number): string {
  const p = osloParts(ms);
  return `${pad(p.year, 4)}-${pad(p.month)}-${pad(p.day)}`;
}

export function osloYear(ms: number): number {
  return osloParts(ms).year;
}

/** How far Oslo's wall clock is ahead of UTC at an instant (+1 h in winter, +2 h in summer). */
function osloOffsetMs(ms: number): number {
  const p = osloParts(ms);
  const wall = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
  return wall - Math.floor(ms / 1000) * 1000;
}

/** Parses a strict YYYY-MM-DD calendar date; undefined for anything else (2025-02-30 included). */
export function parseIsoDate(text: string): { year: number; month: number; day: number } | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!m) return undefined;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  const probe = new Date(Date.UTC(year, month - 1, day));
  if (probe.getUTCFullYear() !== year || probe.getUTCMonth() !== month - 1 || probe.getUTCDate() !== day) return undefined;
  return { year, month, day };
}

/** The instant Oslo's clock shows 00:00 on the given date. */
export function osloMidnight(date: string): number {
  const d = parseIsoDate(date);
  if (!d) throw new Error(`not a date: ${date}`);
  const wallMidnight = Date.UTC(d.year, d.month - 1, d.day);
  // Two rounds settle it: the offset at the guess is the offset at midnight, because Oslo
  // switches DST at 01:00 UTC, never near local midnight.
  let guess = wallMidnight - osloOffsetMs(wallMidnight);
  guess = wallMidnight - osloOffsetMs(guess);
  return guess;
}

/** Calendar arithmetic on YYYY-MM-DD strings (no time zone involved). */
export function addDays(date: string, days: number): string {
  const d = parseIsoDate(date);
  if (!d) throw new Error(`not a date: ${date}`);
  const t = new Date(Date.UTC(d.year, d.month - 1, d.day + days));
  return `${pad(t.getUTCFullYear(), 4)}-${pad(t.getUTCMonth() + 1)}-${pad(t.getUTCDate())}`;
}

/** Days since 1970-01-01 for a YYYY-MM-DD date; used to keep row dates as small integers. */
export function dayNumber(date: string): number {
  const d = parseIsoDate(date);
  if (!d) throw new Error(`not a date: ${date}`);
  return Date.UTC(d.year, d.month - 1, d.day) / 86_400_000;
}

export function dateOfDayNumber(day: number): string {
  const t = new Date(day * 86_400_000);
  return `${pad(t.getUTCFullYear(), 4)}-${pad(t.getUTCMonth() + 1)}-${pad(t.getUTCDate())}`;
}
