/**
 * One SQLite connection (libsql, in-process) and one statement run on it, bounded: the
 * code both the worker-side guest imports and the start-up seeding use. Connections run
 * in WAL mode with a busy timeout, so several workers can write one file at once.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'libsql';
import { BUSY_TIMEOUT_MS, type ResultLimits, type WitQueryResult, type WitSqliteError, type WitValue } from './api.js';

export type Connection = InstanceType<typeof Database>;

/** A failed statement, carrying the WIT error the guest gets. */
export class SqliteFailure extends Error {
  constructor(readonly variant: WitSqliteError) {
    super(variant.tag === 'io' ? variant.val : variant.tag);
    this.name = 'SqliteFailure';
  }
}

/** Opens (creating it and its directory when missing) the database file at `file`. */
export function openDatabase(file: string, busyTimeoutMs = BUSY_TIMEOUT_MS): Connection {
  try {
    mkdirSync(dirname(file), { recursive: true });
    const db = new Database(file);
    db.exec(`PRAGMA busy_timeout = ${Math.max(0, Math.trunc(busyTimeoutMs))}`);
    db.pragma('journal_mode = WAL');
    return db;
  } catch (err) {
    throw new SqliteFailure(toVariant(err, busyTimeoutMs));
  }
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

/** Runs one statement with positional parameters; past `limits` it stops and fails with io(...). */
export function execute(
  db: Connection,
  statement: string,
  parameters: readonly WitValue[],
  limits: ResultLimits,
  busyTimeoutMs = BUSY_TIMEOUT_MS,
): WitQueryResult {
  try {
    const params = parameters.map(toParam);
    const stmt = db.prepare(statement);
    if (!stmt.reader) {
      stmt.run(params);
      return { columns: [], rows: [] };
    }
    stmt.raw(true).safeIntegers(true);
    const columns = (stmt.columns() as Array<{ name: string }>).map((c) => c.name);
    const rows: WitQueryResult['rows'] = [];
    let bytes = 0;
    for (const raw of stmt.iterate(params) as Iterable<unknown[]>) {
      const values: WitValue[] = [];
      for (const x of raw) {
        const [value, size] = toValue(x);
        values.push(value);
        bytes += size;
      }
      rows.push({ values });
      if (rows.length > limits.maxRows || bytes > limits.maxBytes) {
        (stmt as unknown as { interrupt(): void }).interrupt();
        const what = rows.length > limits.maxRows ? `more than ${limits.maxRows} rows` : `more than ${limits.maxBytes} bytes`;
        throw new SqliteFailure({ tag: 'io', val: `the query returned ${what}, past spin-ts's bound on one result; page it with LIMIT/OFFSET` });
      }
    }
    return { columns, rows };
  } catch (err) {
    throw new SqliteFailure(toVariant(err, busyTimeoutMs));
  }
}
