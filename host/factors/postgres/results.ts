/**
 * PostgreSQL's text results to the interface's values, by column type as Spin maps them
 * (crates/factor-outbound-pg/src/types.rs): bool, int2/4/8, float4/8, text/varchar/bpchar,
 * bytea, date, time, timestamp and timestamptz (as UTC date-times), uuid, jsonb, numeric,
 * int4/int8/num ranges, int4/int8/numeric/text arrays, interval. Any other type is
 * `unsupported`, carrying the value's text, and its column is `other(<type name>)`.
 */
import type { Interval, PgDataType, PgValue, Range, RangeBound, RangeBoundKind } from './api.js';
import { civilFromDays, daysFromCivil } from './calendar.js';

/** Type OIDs (pg_type.oid, fixed for built-in types). */
export const OID = {
  bool: 16,
  bytea: 17,
  int8: 20,
  int2: 21,
  int4: 23,
  text: 25,
  float4: 700,
  float8: 701,
  bpchar: 1042,
  varchar: 1043,
  date: 1082,
  time: 1083,
  timestamp: 1114,
  timestamptz: 1184,
  interval: 1186,
  numeric: 1700,
  uuid: 2950,
  jsonb: 3802,
  int4range: 3904,
  numrange: 3906,
  int8range: 3926,
  int4Array: 1007,
  int8Array: 1016,
  textArray: 1009,
  varcharArray: 1015,
  bpcharArray: 1014,
  numericArray: 1231,
} as const;

type Known = Exclude<PgDataType['tag'], 'other'>;

const TYPE_OF: ReadonlyMap<number, Known> = new Map<number, Known>([
  [OID.bool, 'boolean'],
  [OID.bytea, 'binary'],
  [OID.float4, 'floating32'],
  [OID.float8, 'floating64'],
  [OID.int2, 'int16'],
  [OID.int4, 'int32'],
  [OID.int8, 'int64'],
  [OID.text, 'str'],
  [OID.varchar, 'str'],
  [OID.bpchar, 'str'],
  [OID.timestamp, 'datetime'],
  [OID.timestamptz, 'datetime'],
  [OID.date, 'date'],
  [OID.time, 'time'],
  [OID.uuid, 'uuid'],
  [OID.jsonb, 'jsonb'],
  [OID.numeric, 'decimal'],
  [OID.int4range, 'range-int32'],
  [OID.int8range, 'range-int64'],
  [OID.numrange, 'range-decimal'],
  [OID.int4Array, 'array-int32'],
  [OID.int8Array, 'array-int64'],
  [OID.numericArray, 'array-decimal'],
  [OID.textArray, 'array-str'],
  [OID.varcharArray, 'array-str'],
  [OID.bpcharArray, 'array-str'],
  [OID.interval, 'interval'],
]);

export function isKnownType(oid: number): boolean {
  return TYPE_OF.has(oid);
}

/** The column's data type; `typeName` names the others. */
export function dataTypeOf(oid: number, typeName: (oid: number) => string): PgDataType {
  const known = TYPE_OF.get(oid);
  return known ? { tag: known } : { tag: 'other', val: typeName(oid) };
}

class Unparsable extends Error {}

function need<T>(m: T | null | undefined): T {
  if (m === null || m === undefined) throw new Unparsable();
  return m;
}

function bytea(text: string): Uint8Array {
  if (text.startsWith('\\x')) return new Uint8Array(Buffer.from(text.slice(2), 'hex'));
  // bytea_output = 'escape': \ooo octal escapes and \\ for a backslash.
  const out: number[] = [];
  for (let i = 0; i < text.length;) {
    if (text[i] === '\\') {
      if (text[i + 1] === '\\') {
        out.push(0x5c);
        i += 2;
      } else {
        out.push(parseInt(text.slice(i + 1, i + 4), 8));
        i += 4;
      }
    } else {
      const b = Buffer.from(text[i]!, 'latin1');
      out.push(b[0]!);
      i++;
    }
  }
  return new Uint8Array(out);
}

function astronomicalYear(y: number, bc: boolean): number {
  return bc ? 1 - y : y;
}

function nanos(fraction: string | undefined): number {
  return fraction ? Number(fraction.padEnd(9, '0').slice(0, 9)) : 0;
}

function dateValue(text: string): [number, number, number] {
  const m = need(/^(\d{4,})-(\d\d)-(\d\d)( BC)?$/.exec(text));
  return [astronomicalYear(Number(m[1]), !!m[4]), Number(m[2]), Number(m[3])];
}

function timeValue(text: string): [number, number, number, number] {
  const m = need(/^(\d\d):(\d\d):(\d\d)(?:\.(\d+))?$/.exec(text));
  return [Number(m[1]), Number(m[2]), Number(m[3]), nanos(m[4])];
}

function datetimeValue(text: string): [number, number, number, number, number, number, number] {
  const m = need(/^(\d{4,})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d)(?:\.(\d+))?(?:([+-])(\d\d)(?::(\d\d))?(?::(\d\d))?)?( BC)?$/.exec(text));
  let y = astronomicalYear(Number(m[1]), !!m[12]);
  let mo = Number(m[2]);
  let d = Number(m[3]);
  let secs = Number(m[4]) * 3600 + Number(m[5]) * 60 + Number(m[6]);
  if (m[8]) {
    // timestamptz: back to UTC.
    const offset = (Number(m[9]) * 3600 + Number(m[10] ?? 0) * 60 + Number(m[11] ?? 0)) * (m[8] === '-' ? -1 : 1);
    let days = daysFromCivil(y, mo, d);
    secs -= offset;
    while (secs < 0) {
      secs += 86400;
      days--;
    }
    while (secs >= 86400) {
      secs -= 86400;
      days++;
    }
    [y, mo, d] = civilFromDays(days);
  }
  return [y, mo, d, Math.floor(secs / 3600), Math.floor(secs / 60) % 60, secs % 60, nanos(m[7])];
}

/** JSON as Spin returns jsonb: serde_json's compact form, object keys sorted. */
function canonicalJson(text: string): Uint8Array {
  const sort = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(sort);
    if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      return Object.fromEntries(
        Object.keys(o)
          .sort()
          .map((k) => [k, sort(o[k])]),
      );
    }
    return v;
  };
  return new TextEncoder().encode(JSON.stringify(sort(JSON.parse(text))));
}

function rangeValue<T>(text: string, parse: (s: string) => T): Range<T> {
  if (text === 'empty') return [undefined, undefined];
  const m = need(/^([[(])("?)(.*?)\2,("?)(.*?)\4([\])])$/.exec(text));
  const side = (v: string, kind: RangeBoundKind): RangeBound<T> => (v === '' ? undefined : [parse(v), kind]);
  return [side(m[3]!, m[1] === '[' ? 'inclusive' : 'exclusive'), side(m[5]!, m[6] === ']' ? 'inclusive' : 'exclusive')];
}

/** A one-dimensional array literal's elements (undefined for NULL). */
function arrayItems(text: string): Array<string | undefined> {
  if (text.startsWith('[')) text = text.slice(text.indexOf('=') + 1); // explicit bounds: "[0:1]={1,2}"
  if (!text.startsWith('{') || !text.endsWith('}')) throw new Unparsable();
  const body = text.slice(1, -1);
  if (body.startsWith('{')) throw new Unparsable(); // multi-dimensional
  const out: Array<string | undefined> = [];
  if (body === '') return out;
  for (let i = 0; i <= body.length;) {
    if (body[i] === '"') {
      let v = '';
      for (i++; body[i] !== '"'; i++) {
        if (i >= body.length) throw new Unparsable();
        if (body[i] === '\\') i++;
        v += body[i];
      }
      out.push(v);
      i += 2;
    } else {
      const end = body.indexOf(',', i);
      const v = body.slice(i, end < 0 ? body.length : end);
      out.push(v === 'NULL' ? undefined : v);
      i = end < 0 ? body.length + 1 : end + 1;
    }
  }
  return out;
}

/** IntervalStyle 'postgres' (the default): "1 year 2 mons -3 days +04:05:06.789". */
function intervalValue(text: string): Interval {
  let months = 0;
  let days = 0;
  let micros = 0n;
  const re = /([+-]?\d+) (year|mon|day)s?|([+-])?(\d+):(\d\d):(\d\d)(?:\.(\d+))?/gy;
  const trimmed = text.trim();
  let at = 0;
  while (at < trimmed.length) {
    re.lastIndex = at;
    const m = need(re.exec(trimmed));
    if (m[2] === 'year') months += Number(m[1]) * 12;
    else if (m[2] === 'mon') months += Number(m[1]);
    else if (m[2] === 'day') days += Number(m[1]);
    else {
      const us = (BigInt(m[4]!) * 3600n + BigInt(m[5]!) * 60n + BigInt(m[6]!)) * 1_000_000n + BigInt((m[7] ?? '').padEnd(6, '0').slice(0, 6) || '0');
      micros += m[3] === '-' ? -us : us;
    }
    at = re.lastIndex;
    while (trimmed[at] === ' ') at++;
  }
  return { months, days, micros };
}

function float(text: string): number {
  return text === 'NaN' ? NaN : text === 'Infinity' ? Infinity : text === '-Infinity' ? -Infinity : Number(text);
}

function int(text: string): number {
  if (!/^-?\d+$/.test(text)) throw new Unparsable();
  return Number(text);
}

function known(oid: number, text: string): PgValue | undefined {
  switch (TYPE_OF.get(oid)) {
    case 'boolean':
      return { tag: 'boolean', val: text === 't' };
    case 'binary':
      return { tag: 'binary', val: bytea(text) };
    case 'floating32':
      return { tag: 'floating32', val: float(text) };
    case 'floating64':
      return { tag: 'floating64', val: float(text) };
    case 'int16':
      return { tag: 'int16', val: int(text) };
    case 'int32':
      return { tag: 'int32', val: int(text) };
    case 'int64':
      return { tag: 'int64', val: BigInt(text) };
    case 'str':
      return { tag: 'str', val: text };
    case 'datetime':
      return { tag: 'datetime', val: datetimeValue(text) };
    case 'date':
      return { tag: 'date', val: dateValue(text) };
    case 'time':
      return { tag: 'time', val: timeValue(text) };
    case 'uuid':
      return { tag: 'uuid', val: text };
    case 'jsonb':
      return { tag: 'jsonb', val: canonicalJson(text) };
    case 'decimal':
      if (!/^-?\d+(\.\d+)?$/.test(text)) throw new Unparsable(); // NaN, Infinity: not a decimal
      return { tag: 'decimal', val: text };
    case 'range-int32':
      return { tag: 'range-int32', val: rangeValue(text, int) };
    case 'range-int64':
      return { tag: 'range-int64', val: rangeValue(text, BigInt) };
    case 'range-decimal':
      return { tag: 'range-decimal', val: rangeValue(text, (s) => s) };
    case 'array-int32':
      return { tag: 'array-int32', val: arrayItems(text).map((v) => (v === undefined ? undefined : int(v))) };
    case 'array-int64':
      return { tag: 'array-int64', val: arrayItems(text).map((v) => (v === undefined ? undefined : BigInt(v))) };
    case 'array-decimal':
      return { tag: 'array-decimal', val: arrayItems(text) };
    case 'array-str':
      return { tag: 'array-str', val: arrayItems(text) };
    case 'interval':
      return { tag: 'interval', val: intervalValue(text) };
    default:
      return undefined;
  }
}

/** One cell: `text` is PostgreSQL's text output, null for NULL. A value its type's parser cannot read (infinity dates, NaN numerics) is `unsupported`. */
export function cellValue(oid: number, text: string | null): PgValue {
  if (text === null) return { tag: 'db-null' };
  try {
    const v = known(oid, text);
    if (v) return v;
  } catch (err) {
    if (!(err instanceof Unparsable) && !(err instanceof SyntaxError)) throw err;
  }
  return { tag: 'unsupported', val: new TextEncoder().encode(text) };
}
