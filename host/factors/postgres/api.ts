/**
 * The postgres factor's service, as its guest side calls it and its main-thread side
 * implements it. Values travel in the shape jco lifts and lowers for the newest interface
 * (`spin:postgres/postgres@4.x`); the guest side narrows them for the older ones, as Spin's
 * own conversions do.
 */

export type RangeBoundKind = 'inclusive' | 'exclusive';
/** One bound of a range: absent for an unbounded side. */
export type RangeBound<T> = [T, RangeBoundKind] | undefined;
export type Range<T> = [RangeBound<T>, RangeBound<T>];

export interface Interval {
  micros: bigint;
  days: number;
  months: number;
}

/** `parameter-value` of spin:postgres/postgres@4.x (the older interfaces' are subsets, plus 2.0's unsigned integers). */
export type PgParam =
  | { tag: 'boolean'; val: boolean }
  | { tag: 'int8' | 'int16' | 'int32' | 'uint8' | 'uint16' | 'uint32'; val: number }
  | { tag: 'int64' | 'uint64'; val: bigint }
  | { tag: 'floating32' | 'floating64'; val: number }
  | { tag: 'str'; val: string }
  | { tag: 'binary'; val: Uint8Array }
  | { tag: 'date'; val: [number, number, number] }
  | { tag: 'time'; val: [number, number, number, number] }
  | { tag: 'datetime'; val: [number, number, number, number, number, number, number] }
  | { tag: 'timestamp'; val: bigint }
  | { tag: 'uuid'; val: string }
  | { tag: 'jsonb'; val: Uint8Array }
  | { tag: 'decimal'; val: string }
  | { tag: 'range-int32'; val: Range<number> }
  | { tag: 'range-int64'; val: Range<bigint> }
  | { tag: 'range-decimal'; val: Range<string> }
  | { tag: 'array-int32'; val: Array<number | undefined> }
  | { tag: 'array-int64'; val: Array<bigint | undefined> }
  | { tag: 'array-decimal' | 'array-str'; val: Array<string | undefined> }
  | { tag: 'interval'; val: Interval }
  | { tag: 'db-null' };

/** `db-value` of @4.x. `unsupported` carries the value's text form (Spin's carries PostgreSQL's binary form). */
export type PgValue = Exclude<PgParam, { tag: 'uint8' | 'uint16' | 'uint32' | 'uint64' }> | { tag: 'unsupported'; val: Uint8Array };

/** `db-data-type` of @4.x: `other` names the PostgreSQL type. */
export type PgDataType = { tag: Exclude<PgValue['tag'], 'db-null' | 'unsupported'> } | { tag: 'other'; val: string };

export interface PgColumn {
  name: string;
  dataType: PgDataType;
}

export interface PgRowSet {
  columns: PgColumn[];
  rows: PgValue[][];
}

/** `db-error` of @4.x: what PostgreSQL said. */
export interface PgDbError {
  asText: string;
  severity: string;
  code: string;
  message: string;
  detail: string | undefined;
  extras: Array<[string, string]>;
}

/** `error` of @4.x; the older interfaces flatten query-failed to its text. */
export type PgError =
  | { tag: 'connection-failed' | 'bad-parameter' | 'value-conversion-failed' | 'other'; val: string }
  | { tag: 'query-failed'; val: { tag: 'text'; val: string } | { tag: 'db-error'; val: PgDbError } };

/** What every service call returns: database failures are values, so they keep their structure across the bridge. */
export type PgOutcome<T> = { ok: true; value: T } | { ok: false; error: PgError };

/** A connection to one address, held for the request that opened it. */
export type PgHandle = number;

export interface PostgresService {
  /** Connects (from the address's pool) and holds the connection until `close` or the request's end. `caRoot`: an extra trusted root (PEM). */
  open(address: string, caRoot: string | undefined): PgOutcome<PgHandle>;
  query(handle: PgHandle, statement: string, params: PgParam[]): PgOutcome<PgRowSet>;
  execute(handle: PgHandle, statement: string, params: PgParam[]): PgOutcome<bigint>;
  /** Gives the connection back to its pool (the guest dropped its resource). */
  close(handle: PgHandle): void;
  /** Logs a refused address once per call, naming the entry to add. */
  reportDenied(address: string, entry: string): void;
}

/** Which version of spin:postgres/postgres a component imports when it imports one only (jco then names it without its version). */
export type SpinPostgresMajor = 3 | 4;

export interface PostgresGuestConfig {
  /** The component's allowed_outbound_hosts, rendered (the outbound-http factor's list). */
  allowedOutboundHosts: string[];
  spinPostgresMajor: SpinPostgresMajor;
}
