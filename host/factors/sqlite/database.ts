/**
 * One SQLite connection (libsql, in-process) and one statement run on it, bounded: the
 * code both the worker-side guest imports and the start-up seeding use. Connections run
 * in WAL mode with a busy timeout, so several workers can write one file at once. A
 * guest's connection also has the authorizer of ./guest-policy.ts, and each of its
 * statements ends by its request's deadline: libsql interrupts a statement still running
 * then, and a lock wait never outlasts it.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { openLibsql, type LibsqlDatabase, type LibsqlStatement } from '../libsql.js';
import { BUSY_TIMEOUT_MS, SQLITE_HEAP_LIMIT_BYTES, type ResultLimits, type WitQueryResult, type WitSqliteError, type WitValue } from './api.js';
import { GUEST_AUTHORIZER, isRefusal, refusalMessage } from './guest-policy.js';

export type Connection = LibsqlDatabase;

/** A failed statement, carrying the WIT error the guest gets. */
export class SqliteFailure extends Error {
  constructor(readonly variant: WitSqliteError) {
    super(variant.tag === 'io' ? variant.val : variant.tag);
    this.name = 'SqliteFailure';
  }
}

/**
 * Prepared statements by SQL text, per connection, most recently used last. libsql frees a
 * statement (about 1.8 KiB of SQLite's heap) and its row iterator only when the thread's
 * event loop turns, never while a guest's request runs: 74,000 prepares of one query in
 * one go ran the 128 MiB heap bound out, and the same loop with a turn every 1,000 stayed
 * flat. Reusing the statement for the same text makes a guest's repeated statements cost
 * nothing within its request (and about 15 µs less each: measured 54.7 → 38 µs).
 */
const STATEMENT_CACHE_SIZE = 256;
const statementCaches = new WeakMap<Connection, Map<string, LibsqlStatement>>();

function prepared(db: Connection, sql: string): LibsqlStatement {
  let cache = statementCaches.get(db);
  if (!cache) statementCaches.set(db, (cache = new Map()));
  const hit = cache.get(sql);
  if (hit) {
    cache.delete(sql);
    cache.set(sql, hit);
    return hit;
  }
  const stmt = db.prepare(sql);
  if (cache.size >= STATEMENT_CACHE_SIZE) cache.delete(cache.keys().next().value!);
  cache.set(sql, stmt);
  return stmt;
}

function setBusyTimeout(db: Connection, ms: number): void {
  db.exec(`PRAGMA busy_timeout = ${Math.max(0, Math.trunc(ms))}`);
}

/** Opens (creating it and its directory when missing) the database file at `file`, for the host's own statements. */
export function openDatabase(file: string, busyTimeoutMs = BUSY_TIMEOUT_MS): Connection {
  try {
    mkdirSync(dirname(file), { recursive: true });
    const db = openLibsql(file);
    // SQLite's memory is one pool for the whole process (every worker's connections): a
    // statement that would build a value past it (zeroblob(4e8), a huge printf) fails with
    // out of memory before anything is allocated, instead of growing the host.
    db.exec(`PRAGMA hard_heap_limit = ${SQLITE_HEAP_LIMIT_BYTES}`);
    setBusyTimeout(db, busyTimeoutMs);
    db.pragma('journal_mode = WAL');
    return db;
  } catch (err) {
    throw new SqliteFailure(toVariant(err, busyTimeoutMs));
  }
}

/** Opens a connection a guest's statements run on: openDatabase plus the guest policy (./guest-policy.ts). */
export function openGuestDatabase(file: string, busyTimeoutMs = BUSY_TIMEOUT_MS): Connection {
  const db = openDatabase(file, busyTimeoutMs);
  try {
    db.authorizer(GUEST_AUTHORIZER);
  } catch (err) {
    db.close();
    throw new SqliteFailure(toVariant(err, busyTimeoutMs));
  }
  return db;
}

/** Maps a libsql error to the WIT error: database-full, or io with SQLite's own message. */
export function toVariant(err: unknown, busyTimeoutMs = BUSY_TIMEOUT_MS): WitSqliteError {
  if (err instanceof SqliteFailure) return err.variant;
  const code = String((err as { code?: unknown })?.code ?? '');
  const message = err instanceof Error ? err.message : String(err);
  if (code.startsWith('SQLITE_FULL')) return { tag: 'database-full' };
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
    return { tag: 'io', val: `${message} (still locked after waiting ${busyTimeoutMs} ms)` };
  }
  if (isRefusal(code, message)) return { tag: 'io', val: refusalMessage(message) };
  if (code.startsWith('SQLITE_INTERRUPT')) return { tag: 'io', val: `${message}: the request ran out of time (--request-timeout)` };
  if (code.startsWith('SQLITE_NOMEM') || code.startsWith('SQLITE_TOOBIG')) {
    return { tag: 'io', val: `${message}: past spin-ts's bound on SQLite's memory (${SQLITE_HEAP_LIMIT_BYTES / 2 ** 20} MiB for all statements at once)` };
  }
  return { tag: 'io', val: message };
}

function toParam(v: WitValue, i: number): unknown {
  switch (v?.tag) {
    case 'integer':
      return BigInt.asIntN(64, BigInt(v.val));
    case 'real':
      return v.val;
    case 'text':
      return v.val;
    case 'blob':
      return Buffer.from(v.val.buffer, v.val.byteOffset, v.val.byteLength);
    case 'null':
      return null;
    default:
      throw new SqliteFailure({ tag: 'io', val: `parameter ${i + 1} is not a sqlite value` });
  }
}

/** The value as the guest gets it, and roughly what it costs in memory. */
function toValue(x: unknown): [WitValue, number] {
  if (x === null || x === undefined) return [{ tag: 'null' }, 8];
  if (typeof x === 'bigint') return [{ tag: 'integer', val: x }, 8];
  if (typeof x === 'number') return [{ tag: 'real', val: x }, 8];
  if (typeof x === 'string') return [{ tag: 'text', val: x }, 16 + x.length * 2];
  if (x instanceof Uint8Array) return [{ tag: 'blob', val: new Uint8Array(x.buffer, x.byteOffset, x.byteLength) }, 16 + x.byteLength];
  return [{ tag: 'text', val: String(x) }, 16];
}

/**
 * Runs one statement with positional parameters; past `limits` it stops and fails with
 * io(...). With a `deadline` (epoch ms) the statement is interrupted when it comes, and a
 * wait for a lock ends by then too.
 */
export function execute(
  db: Connection,
  statement: string,
  parameters: readonly WitValue[],
  limits: ResultLimits,
  busyTimeoutMs = BUSY_TIMEOUT_MS,
  deadline?: number,
): WitQueryResult {
  try {
    const params = parameters.map(toParam);
    let options: { queryTimeout: number } | undefined;
    if (deadline !== undefined) {
      const left = deadline - Date.now();
      if (left <= 0) throw new SqliteFailure({ tag: 'io', val: 'the request ran out of time (--request-timeout) before this statement' });
      options = { queryTimeout: left };
      // Every time: a lock wait must end by the deadline (an interrupt does not cut a wait
      // short), and whatever busy_timeout the guest's previous statement set is undone.
      setBusyTimeout(db, Math.min(busyTimeoutMs, left));
    }
    const stmt = prepared(db, statement);
    if (!stmt.reader) {
      if (options) stmt.run(params, options);
      else stmt.run(params);
      return { columns: [], rows: [] };
    }
    stmt.raw(true).safeIntegers(true);
    const columns = stmt.columns().map((c) => c.name);
    const rows: WitQueryResult['rows'] = [];
    let bytes = 0;
    for (const raw of (options ? stmt.iterate(params, options) : stmt.iterate(params)) as Iterable<unknown[]>) {
      const values: WitValue[] = [];
      for (const x of raw) {
        const [value, size] = toValue(x);
        values.push(value);
        bytes += size;
      }
      rows.push({ values });
      if (rows.length > limits.maxRows || bytes > limits.maxBytes) {
        stmt.interrupt();
        const what = rows.length > limits.maxRows ? `more than ${limits.maxRows} rows` : `more than ${limits.maxBytes} bytes`;
        throw new SqliteFailure({ tag: 'io', val: `the query returned ${what}, past spin-ts's bound on one result; page it with LIMIT/OFFSET` });
      }
    }
    return { columns, rows };
  } catch (err) {
    throw new SqliteFailure(toVariant(err, busyTimeoutMs));
  }
}
