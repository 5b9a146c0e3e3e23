import { addDays, osloDate, osloMidnight } from '../../contract/oslo-date.js';

describe('Oslo calendar', () => {
  it('gives the Oslo date, which runs ahead of UTC late in the UTC day', () => {
    // 23:30 UTC on 14 January is 00:30 on 15 January in Oslo (UTC+1 in winter).
    expect(osloDate(Date.UTC(2026, 0, 14, 23, 30))).toBe('2026-01-15');
    // 22:30 UTC on 14 July is 00:30 on 15 July in Oslo (UTC+2 in summer).
    expect(osloDate(Date.UTC(2026, 6, 14, 22, 30))).toBe('2026-07-15');
    expect(osloDate(Date.UTC(2026, 6, 14, 21, 59))).toBe('2026-07-14');
  });

  it('places Oslo midnight in winter, in summer, and on both DST switch days', () => {
    expect(new Date(osloMidnight('2026-01-15')).toISOString()).toBe('2026-01-14T23:00:00.000Z');
    expect(new Date(osloMidnight('2026-07-15')).toISOString()).toBe('2026-07-14T22:00:00.000Z');
    // 29 March 2026: clocks go forward at 02:00, so midnight is still UTC+1.
    expect(new Date(osloMidnight('2026-03-29')).toISOString()).toBe('2026-03-28T23:00:00.000Z');
    expect(new Date(osloMidnight('2026-03-30')).toISOString()).toBe('2026-03-29T22:00:00.000Z');
    // 25 October 2026: clocks go back at 03:00, so that midnight is UTC+2 and the next UTC+1.
    expect(new Date(osloMidnight('2026-10-25')).toISOString()).toBe('2026-10-24T22:00:00.000Z');
    expect(new Date(osloMidnight('2026-10-26')).toISOString()).toBe('2026-10-25T23:00:00.000Z');
  });

  it('adds days across month and year ends', () => {
    expect(addDays('2025-12-31', 1)).toBe('2026-01-01');
    expect(addDays('2028-02-28', 1)).toBe('2028-02-29');
    expect(addDays('2026-03-01', -1)).toBe('2026-02-28');
    expect(() => addDays('2026-3-1', 1)).toThrow(RangeError);
  });

  it('adds days in the years 0–99 too, which Date.UTC would read as 1900–1999', () => {
    expect(addDays('0001-01-01', 1)).toBe('0001-01-02');
    expect(addDays('0099-12-31', 1)).toBe('0100-01-01');
    expect(addDays('0000-02-28', 1)).toBe('0000-02-29'); // year 0 is a leap year in the proleptic calendar
    expect(addDays('0001-01-01', 369_000)).toBe('1011-04-17');
    expect(addDays('1900-01-01', -1)).toBe('1899-12-31');
    // No date string exists past 9999: refused, never a garbled one.
    expect(() => addDays('9999-12-31', 1)).toThrow(RangeError);
    expect(() => addDays('0000-01-01', -1)).toThrow(RangeError);
  });
});
