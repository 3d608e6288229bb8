/**
 * Columns and values as Spin's MySQL converts them (crates/factor-outbound-mysql,
 * client.rs): a column's type decides its db-data-type from the wire type, its UNSIGNED
 * and BINARY flags; every value is converted to its column's type, and a value in a column
 * of type `other` (DECIMAL, dates and times, BIT, YEAR, ENUM, JSON on MySQL, long text
 * from an expression) fails the query with value-conversion-failed, as in Spin. NULL is
 * db-null in any column.
 */
import type { MysqlDataType, MysqlValue } from './api.js';

/** MySQL's wire types (include/mysql_com.h) that Spin maps. */
const T = { TINY: 1, SHORT: 2, LONG: 3, FLOAT: 4, DOUBLE: 5, LONGLONG: 8, INT24: 9, VARCHAR: 15, BLOB: 252, VAR_STRING: 253, STRING: 254 } as const;
const UNSIGNED_FLAG = 32;
const BINARY_FLAG = 128;

export interface WireColumn {
  name: string;
  columnType: number;
  flags: number;
}

const INTEGERS: Record<number, [MysqlDataType, MysqlDataType]> = {
  [T.TINY]: ['int8', 'uint8'],
  [T.SHORT]: ['int16', 'uint16'],
  [T.INT24]: ['int32', 'uint32'],
  [T.LONG]: ['int32', 'uint32'],
  [T.LONGLONG]: ['int64', 'uint64'],
};

export function dataTypeOf(c: WireColumn): MysqlDataType {
  const integer = INTEGERS[c.columnType];
  if (integer) return integer[c.flags & UNSIGNED_FLAG ? 1 : 0];
  if (c.columnType === T.FLOAT) return 'floating32';
  if (c.columnType === T.DOUBLE) return 'floating64';
  // TEXT and BLOB share BLOB; CHAR/BINARY and VARCHAR/VARBINARY tell bytes by the BINARY flag.
  if (c.columnType === T.BLOB || c.columnType === T.STRING || c.columnType === T.VAR_STRING) return c.flags & BINARY_FLAG ? 'binary' : 'str';
  return 'other';
}

export class ConversionError extends Error {}

const RANGES: Partial<Record<MysqlDataType, [number, number]>> = {
  int8: [-128, 127],
  int16: [-32768, 32767],
  int32: [-2147483648, 2147483647],
  uint8: [0, 255],
  uint16: [0, 65535],
  uint32: [0, 4294967295],
};

const utf8 = new TextDecoder('utf-8', { fatal: true });

function shown(cell: unknown): string {
  if (Buffer.isBuffer(cell)) return `bytes ${cell.subarray(0, 32).toString('hex')}${cell.length > 32 ? '…' : ''}`;
  if (cell instanceof Date) return `'${cell.toISOString()}'`;
  const text = typeof cell === 'string' ? cell : JSON.stringify(cell);
  return `'${text.length > 64 ? `${text.slice(0, 64)}…` : text}'`;
}

/** One cell (as mysql2 parsed it, BIGINTs as decimal strings) as its column's db-value; throws ConversionError. */
export function cellValue(column: { name: string; dataType: MysqlDataType }, cell: unknown): MysqlValue {
  if (cell === null || cell === undefined) return { tag: 'db-null' };
  const t = column.dataType;
  const fail = (): never => {
    throw new ConversionError(`Cannot convert value ${shown(cell)} in column ${column.name} data type ${t === 'other' ? 'Other' : t}`);
  };
  switch (t) {
    case 'int8':
    case 'int16':
    case 'int32':
    case 'uint8':
    case 'uint16':
    case 'uint32': {
      const n = typeof cell === 'number' ? cell : Number(cell);
      const [min, max] = RANGES[t]!;
      if (!Number.isInteger(n) || n < min || n > max) fail();
      return { tag: t, val: n };
    }
    case 'int64':
    case 'uint64': {
      let n: bigint;
      try {
        n = BigInt(cell as string | number);
      } catch {
        return fail();
      }
      return { tag: t, val: n };
    }
    case 'floating32':
    case 'floating64':
      if (typeof cell !== 'number') fail();
      return { tag: t, val: cell as number };
    case 'str':
      if (typeof cell === 'string') return { tag: 'str', val: cell };
      if (Buffer.isBuffer(cell)) {
        try {
          return { tag: 'str', val: utf8.decode(cell) };
        } catch {
          return fail();
        }
      }
      return fail();
    case 'binary':
      if (Buffer.isBuffer(cell)) return { tag: 'binary', val: new Uint8Array(cell.buffer, cell.byteOffset, cell.byteLength) };
      if (typeof cell === 'string') return { tag: 'binary', val: new TextEncoder().encode(cell) };
      return fail();
    default:
      return fail();
  }
}

/** Roughly what a cell holds, for the result-size cap. */
export function cellBytes(cell: unknown): number {
  if (typeof cell === 'string') return cell.length;
  if (Buffer.isBuffer(cell)) return cell.length;
  return 8;
}
