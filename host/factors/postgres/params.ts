/**
 * Guest parameters to what node-postgres sends: text in PostgreSQL's input syntax (bytes
 * as binary), each checked first, so a value Spin could not convert (an impossible date, a
 * malformed uuid, JSON that does not parse, a decimal that is not one) fails the call
 * before it reaches the server.
 */
import type { PgParam, Range, RangeBound } from './api.js';
import { isValidDate, pgDateText, pgTimeText, civilFromDays } from './calendar.js';

export class ParamError extends Error {}

const DECIMAL = /^[+-]?(\d+(\.\d*)?|\.\d+)$/;
const UUID = /^(?:urn:uuid:)?\{?([0-9a-f]{8})-?([0-9a-f]{4})-?([0-9a-f]{4})-?([0-9a-f]{4})-?([0-9a-f]{12})\}?$/i;

function float(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return 'Infinity';
  if (v === -Infinity) return '-Infinity';
  return String(v);
}

function date([y, m, d]: [number, number, number]): { date: string; era: string } {
  if (!isValidDate(y, m, d)) throw new ParamError(`invalid date y=${y}, m=${m}, d=${d}`);
  return pgDateText(y, m, d);
}

function time([h, mi, s, ns]: [number, number, number, number]): string {
  if (h > 23 || mi > 59 || s > 59 || ns > 999_999_999) throw new ParamError(`invalid time ${h}:${mi}:${s}:${ns}`);
  return pgTimeText(h, mi, s, ns);
}

function decimal(v: string): string {
  if (!DECIMAL.test(v)) throw new ParamError(`invalid decimal '${v}'`);
  return v;
}

function bound<T>(b: RangeBound<T>, show: (v: T) => string): string {
  return b === undefined || b === null ? '' : show(b[0]);
}

function range<T>([lo, hi]: Range<T>, show: (v: T) => string): string {
  const open = lo && lo[1] === 'inclusive' ? '[' : '(';
  const close = hi && hi[1] === 'inclusive' ? ']' : ')';
  return `${open}${bound(lo, show)},${bound(hi, show)}${close}`;
}

function arrayText(items: Array<string | undefined>, quote: boolean): string {
  const item = (v: string | undefined) => (v === undefined || v === null ? 'NULL' : quote ? `"${v.replace(/[\\"]/g, (c) => `\\${c}`)}"` : v);
  return `{${items.map(item).join(',')}}`;
}

/** The value node-postgres sends for one parameter (null for SQL NULL). */
export function paramValue(p: PgParam): string | Buffer | null {
  switch (p.tag) {
    case 'boolean':
      return p.val ? 'true' : 'false';
    case 'int8':
    case 'int16':
    case 'int32':
    case 'int64':
      return String(p.val);
    case 'uint8':
    case 'uint16':
    case 'uint32':
    case 'uint64':
      throw new ParamError('Postgres does not support unsigned integers');
    case 'floating32':
    case 'floating64':
      return float(p.val);
    case 'str':
      return p.val;
    case 'binary':
      return Buffer.from(p.val.buffer, p.val.byteOffset, p.val.byteLength);
    case 'date': {
      const d = date(p.val);
      return d.date + d.era;
    }
    case 'time':
      return time(p.val);
    case 'datetime': {
      const [y, mo, d, h, mi, s, ns] = p.val;
      const dd = date([y, mo, d]);
      // Spin binds a naive date-time (UTC): "+00" makes a timestamptz column read it as UTC; a timestamp column ignores it.
      return `${dd.date} ${time([h, mi, s, ns])}+00${dd.era}`;
    }
    case 'timestamp': {
      const secs = p.val;
      const days = secs / 86400n - (secs % 86400n < 0n ? 1n : 0n);
      const rest = Number(secs - days * 86400n);
      if (days > 100_000_000n || days < -100_000_000n) throw new ParamError(`invalid epoch timestamp ${secs}`);
      const [y, mo, d] = civilFromDays(Number(days));
      const dd = pgDateText(y, mo, d);
      return `${dd.date} ${pgTimeText(Math.floor(rest / 3600), Math.floor(rest / 60) % 60, rest % 60, 0)}+00${dd.era}`;
    }
    case 'uuid': {
      const m = UUID.exec(p.val);
      if (!m) throw new ParamError(`invalid uuid '${p.val}'`);
      return m.slice(1).join('-').toLowerCase();
    }
    case 'jsonb': {
      let text: string;
      try {
        text = new TextDecoder('utf-8', { fatal: true }).decode(p.val);
        JSON.parse(text);
      } catch (err) {
        throw new ParamError(`invalid JSON: ${(err as Error).message}`);
      }
      return text;
    }
    case 'decimal':
      return decimal(p.val);
    case 'range-int32':
    case 'range-int64':
      return range<number | bigint>(p.val, String);
    case 'range-decimal':
      return range(p.val, decimal);
    case 'array-int32':
    case 'array-int64':
      return arrayText(
        (p.val as Array<number | bigint | undefined>).map((v) => (v === undefined || v === null ? undefined : String(v))),
        false,
      );
    case 'array-decimal':
      return arrayText(
        p.val.map((v) => (v === undefined || v === null ? undefined : decimal(v))),
        false,
      );
    case 'array-str':
      return arrayText(p.val, true);
    case 'interval': {
      const { months, days, micros } = p.val;
      const neg = micros < 0n;
      const abs = neg ? -micros : micros;
      const h = abs / 3_600_000_000n;
      const rest = abs % 3_600_000_000n;
      const clock = `${neg ? '-' : '+'}${h}:${String(rest / 60_000_000n).padStart(2, '0')}:${String((rest / 1_000_000n) % 60n).padStart(2, '0')}.${String(rest % 1_000_000n).padStart(6, '0')}`;
      return `${months} mons ${days} days ${clock}`;
    }
    case 'db-null':
      return null;
  }
}
