/**
 * The @4.x values, column types and errors narrowed for the older interfaces, as Spin's
 * conversions narrow them (crates/world/src/conversions.rs): what an older interface has
 * no case for is `unsupported` (a value) or `other` (a column type), and query-failed
 * becomes its text.
 */
import type { PgDataType, PgError, PgRowSet, PgValue } from './api.js';

/** Which interface a call came through: 1 is Spin 1.x's unversioned fermyon:spin/postgres, 2 is fermyon:spin/postgres@2.0.0, 3 and 4 spin:postgres/postgres. */
export type PgInterface = 1 | 2 | 3 | 4;

const V2_VALUES = new Set(['boolean', 'int8', 'int16', 'int32', 'int64', 'floating32', 'floating64', 'str', 'binary', 'db-null']);
const V3_VALUES = new Set([...V2_VALUES, 'date', 'time', 'datetime', 'timestamp']);

function value(v: PgValue, iface: PgInterface): unknown {
  if (iface === 4) return v;
  const kept = iface === 3 ? V3_VALUES : V2_VALUES;
  return kept.has(v.tag) ? v : { tag: 'unsupported' };
}

/** @4's db-data-type is a variant; the older ones' an enum (a string, as jco lifts it). */
function dataType(t: PgDataType, iface: PgInterface): unknown {
  if (iface === 4) return t;
  const kept = iface === 3 ? V3_VALUES : V2_VALUES;
  return kept.has(t.tag) ? t.tag : 'other';
}

export function narrowRowSet(r: PgRowSet, iface: PgInterface): unknown {
  if (iface === 4) return r;
  return {
    columns: r.columns.map((c) => ({ name: c.name, dataType: dataType(c.dataType, iface) })),
    rows: r.rows.map((row) => row.map((v) => value(v, iface))),
  };
}

export function errorText(e: PgError): string {
  if (e.tag !== 'query-failed') return e.val;
  return e.val.tag === 'text' ? e.val.val : e.val.val.asText;
}

export function narrowError(e: PgError, iface: PgInterface): { tag: string; val: unknown } {
  if (iface === 4) return e;
  const text = errorText(e);
  if (iface === 1 && e.tag === 'other') return { tag: 'other-error', val: text };
  return { tag: e.tag, val: text };
}
