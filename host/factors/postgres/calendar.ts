/**
 * Calendar arithmetic for PostgreSQL's dates and times without JavaScript's Date range
 * limits: proleptic Gregorian days from 1970-01-01, with astronomical years (0 is 1 BC),
 * as chrono counts them in Spin.
 */

/** Days from 1970-01-01 to y-m-d. */
export function daysFromCivil(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** [year, month, day] of a day count from 1970-01-01. */
export function civilFromDays(days: number): [number, number, number] {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp + (mp < 10 ? 3 : -9);
  return [era * 400 + yoe + (m <= 2 ? 1 : 0), m, d];
}

export function isValidDate(y: number, m: number, d: number): boolean {
  if (!Number.isInteger(y) || m < 1 || m > 12 || d < 1) return false;
  const [y2, m2, d2] = civilFromDays(daysFromCivil(y, m, d));
  return y2 === y && m2 === m && d2 === d;
}

const pad = (n: number | bigint, w: number) => String(n).padStart(w, '0');

/** PostgreSQL's text form of an astronomical year's date ("0044-03-15 BC" for -43). */
export function pgDateText(y: number, m: number, d: number): { date: string; era: string } {
  return y > 0 ? { date: `${pad(y, 4)}-${pad(m, 2)}-${pad(d, 2)}`, era: '' } : { date: `${pad(1 - y, 4)}-${pad(m, 2)}-${pad(d, 2)}`, era: ' BC' };
}

export function pgTimeText(h: number, mi: number, s: number, ns: number): string {
  return `${pad(h, 2)}:${pad(mi, 2)}:${pad(s, 2)}.${pad(ns, 9)}`;
}
