/**
 * What a guest's SQL may not do, as a SQLite authorizer on every guest-facing connection.
 * The libsql build spin-ts uses carries SQLite's shell extensions (readfile, writefile,
 * fsdir), the encryption extension's configuration functions and load_extension; Spin's
 * own SQLite (a plain rusqlite build) has none of them. A guest's database is the file its
 * label names and nothing else: no other file (ATTACH, VACUUM INTO, the file functions),
 * no code (load_extension), no raw pages, no settings that reach past the connection (heap
 * limits are process-wide) or that would let one request hold a database for everyone
 * (locking_mode, journal_mode). docs/sqlite.md lists the same.
 */
import { createRequire } from 'node:module';

const { Action, Authorization } = createRequire(import.meta.url)('libsql') as {
  Action: Record<string, number>;
  Authorization: { ALLOW: number; DENY: number };
};

/** Functions that read or write host files, load code, hand out memory or run SQL of their own. */
export const REFUSED_FUNCTIONS = [
  'readfile',
  'writefile',
  'lsmode',
  'fsdir',
  'edit',
  'load_extension',
  'fts3_tokenizer',
  'sha3_query',
  'sqlite3mc_config',
  'sqlite3mc_config_table',
  'sqlite3mc_codec_data',
] as const;

/** Table-valued functions and virtual tables over host files or the database's raw pages. */
export const REFUSED_TABLES = ['fsdir', 'sqlite_dbpage', 'zipfile', 'carray'] as const;

/**
 * The PRAGMAs a guest may use: schema introspection, integrity checks, per-connection
 * behaviour and the database's own counters. Everything else (database_list, which shows
 * host paths, the heap limits and cache_size, whose memory is shared by every connection
 * in the process, locking_mode, journal_mode, writable_schema, the cipher's key pragmas,
 * temp_store_directory…) is refused. busy_timeout is allowed because the host sets it
 * before each guest statement (so a guest's own value lasts for that statement only);
 * data_version because FTS5 reads it.
 */
export const ALLOWED_PRAGMAS = [
  'analysis_limit',
  'application_id',
  'auto_vacuum',
  'automatic_index',
  'case_sensitive_like',
  'cell_size_check',
  'busy_timeout',
  'collation_list',
  'data_version',
  'defer_foreign_keys',
  'encoding',
  'foreign_key_check',
  'foreign_key_list',
  'foreign_keys',
  'freelist_count',
  'function_list',
  'ignore_check_constraints',
  'incremental_vacuum',
  'index_info',
  'index_list',
  'index_xinfo',
  'integrity_check',
  'legacy_alter_table',
  'max_page_count',
  'module_list',
  'optimize',
  'page_count',
  'page_size',
  'pragma_list',
  'query_only',
  'quick_check',
  'recursive_triggers',
  'reverse_unordered_selects',
  'schema_version',
  'secure_delete',
  'shrink_memory',
  'synchronous',
  'table_info',
  'table_list',
  'table_xinfo',
  'temp_store',
  'user_version',
  'wal_checkpoint',
] as const;

const DENY = Authorization.DENY;
const ALLOW = Authorization.ALLOW;

/** A glob matching `name` in any letter case (SQLite hands the authorizer some names as the guest typed them). */
export function caseless(name: string): { glob: string } {
  return { glob: name.replace(/[a-z]/g, (c) => `[${c}${c.toUpperCase()}]`) };
}

/** The authorizer rules (libsql's rule format: first match wins). */
export const GUEST_AUTHORIZER = {
  rules: [
    // VACUUM works through a temporary attached database with an empty name; anything naming a file is refused.
    { action: Action.ATTACH, entity: '', policy: ALLOW },
    { action: [Action.ATTACH, Action.DETACH], policy: DENY },
    ...REFUSED_FUNCTIONS.map((name) => ({ action: Action.FUNCTION, entity: caseless(name), policy: DENY })),
    ...REFUSED_TABLES.map((table) => ({ action: [Action.READ, Action.INSERT, Action.UPDATE, Action.DELETE], table: caseless(table), policy: DENY })),
    ...ALLOWED_PRAGMAS.map((name) => ({ action: Action.PRAGMA, entity: caseless(name), policy: ALLOW })),
    { action: Action.PRAGMA, policy: DENY },
    // Full-text search and R-trees are ordinary SQLite features; other modules (fsdir, zipfile…) are not.
    ...['fts3', 'fts4', 'fts5', 'rtree', 'geopoly'].map((module) => ({ action: Action.CREATE_VTABLE, entity: caseless(module), policy: ALLOW })),
    { action: Action.CREATE_VTABLE, policy: DENY },
  ],
  defaultPolicy: ALLOW,
};

/** True when SQLite refused a statement because of the authorizer. */
export function isRefusal(code: string, message: string): boolean {
  return code.startsWith('SQLITE_AUTH') || /not authorized|authorization denied/i.test(message);
}

/** The guest's error text for a refused statement. */
export function refusalMessage(sqliteMessage: string): string {
  const said = /authorization denied by JS authorizer/i.test(sqliteMessage) ? 'not authorized' : sqliteMessage;
  return (
    `not allowed: spin-ts refuses SQL that reaches past the component's own database ` +
    `(ATTACH/DETACH, VACUUM INTO, load_extension, file functions such as readfile/writefile/fsdir, ` +
    `raw pages, and PRAGMAs outside the documented list; see docs/sqlite.md) — SQLite said: ${said}`
  );
}
