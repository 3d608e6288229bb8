/** The sqlite factor's shapes: WIT values as jco lowers them, and what each component's guest side gets. */

/** fermyon:spin/sqlite `value` (both interfaces), as jco hands it over and takes it back. */
export type WitValue =
  { tag: 'integer'; val: bigint } | { tag: 'real'; val: number } | { tag: 'text'; val: string } | { tag: 'blob'; val: Uint8Array } | { tag: 'null' };

/** fermyon:spin/sqlite `query-result`. */
export interface WitQueryResult {
  columns: string[];
  rows: Array<{ values: WitValue[] }>;
}

/** fermyon:spin/sqlite `error`. */
export type WitSqliteError =
  { tag: 'no-such-database' } | { tag: 'access-denied' } | { tag: 'invalid-connection' } | { tag: 'database-full' } | { tag: 'io'; val: string };

/** Bounds on one statement's result, so a huge query cannot take the host's memory. */
export interface ResultLimits {
  maxRows: number;
  maxBytes: number;
}

export const DEFAULT_LIMITS: ResultLimits = { maxRows: 100_000, maxBytes: 64 * 1024 * 1024 };

/**
 * SQLite's own memory for the whole process, every connection of every worker: past it a
 * statement fails with out of memory (before the value is built), never the host.
 * Four times the result bound: every result spin-ts would return fits, with room for the
 * page caches of every worker's connections and for the statements a request has made
 * (database.ts: libsql frees them only between requests).
 */
export const SQLITE_HEAP_LIMIT_BYTES = 4 * DEFAULT_LIMITS.maxBytes;

/** How long a statement waits on a locked database before it fails with io(...). */
export const BUSY_TIMEOUT_MS = 5000;

/** What the guest side gets for one component: where its databases are and which it may use. */
export interface SqliteGuestConfig {
  /** label → absolute database file path, for the labels this component declared. */
  databases: Record<string, string>;
  limits: ResultLimits;
  /** How long a statement waits on a locked database (BUSY_TIMEOUT_MS unless a test shortens it). */
  busyTimeoutMs: number;
}
