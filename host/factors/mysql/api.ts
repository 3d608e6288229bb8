/**
 * The mysql factor's service, as its guest side calls it and its main-thread side
 * implements it. Values travel in the shape jco lifts and lowers for
 * fermyon:spin/rdbms-types@2.0.0 (Spin 1.x's unversioned rdbms-types has the same cases);
 * the guest side renames the one error case Spin 1.x calls differently.
 */

/** `parameter-value` of rdbms-types. */
export type MysqlParam =
  | { tag: 'boolean'; val: boolean }
  | { tag: 'int8' | 'int16' | 'int32' | 'uint8' | 'uint16' | 'uint32'; val: number }
  | { tag: 'int64' | 'uint64'; val: bigint }
  | { tag: 'floating32' | 'floating64'; val: number }
  | { tag: 'str'; val: string }
  | { tag: 'binary'; val: Uint8Array }
  | { tag: 'db-null' };

/** `db-value` of rdbms-types: a parameter's cases plus `unsupported` (which Spin's MySQL never returns either). */
export type MysqlValue = MysqlParam | { tag: 'unsupported' };

/** `db-data-type` of rdbms-types, an enum (a string, as jco lifts it). */
export type MysqlDataType = Exclude<MysqlParam['tag'], 'db-null'> | 'other';

export interface MysqlColumn {
  name: string;
  dataType: MysqlDataType;
}

export interface MysqlRowSet {
  columns: MysqlColumn[];
  rows: MysqlValue[][];
}

/** `error` of rdbms-types@2.0.0; Spin 1.x's `mysql-error` names `other` `other-error`. */
export type MysqlError = { tag: 'connection-failed' | 'bad-parameter' | 'query-failed' | 'value-conversion-failed' | 'other'; val: string };

/** What every service call returns: database failures are values, so they keep their case across the bridge. */
export type MysqlOutcome<T> = { ok: true; value: T } | { ok: false; error: MysqlError };

/** A connection to one address, held for the request that opened it. */
export type MysqlHandle = number;

export interface MysqlService {
  /** Takes a connection from the address's pool and holds it until `close` or the request's end. */
  open(address: string): MysqlOutcome<MysqlHandle>;
  query(handle: MysqlHandle, statement: string, params: MysqlParam[]): MysqlOutcome<MysqlRowSet>;
  execute(handle: MysqlHandle, statement: string, params: MysqlParam[]): MysqlOutcome<null>;
  /** Gives the connection back to its pool (the guest dropped its resource). */
  close(handle: MysqlHandle): void;
  /** Logs a refused address, naming the entry to add. */
  reportDenied(address: string, entry: string): void;
}

export interface MysqlGuestConfig {
  /** The component's allowed_outbound_hosts, rendered (the outbound-http factor's list). */
  allowedOutboundHosts: string[];
}
