/**
 * MySQL connections for guests, through mysql2: one bounded pool per address, at most
 * MAX_POOLS addresses (the least recently used pool is closed beyond that). A connection a
 * guest opens is held for its request and handed back at the request's end, however it
 * ended, after COM_RESET_CONNECTION (an open transaction, session variables, temporary
 * tables, locks and prepared statements do not reach the next request). A statement still
 * running when its request is cut off is killed on the server (KILL from a second
 * connection) and its connection dropped. A server that is down fails `open` with
 * connection-failed at once; the next `open` tries again. The client never offers
 * LOAD DATA LOCAL: no statement or server can make the host read its files.
 */
import { connect as netConnect, isIP, type Socket } from 'node:net';
import mysql from 'mysql2';
import type { FieldPacket, Pool, PoolConnection, PoolOptions, QueryError } from 'mysql2';
import type { CallContext } from '../../components/bridge.js';
import { RequestHandles } from '../request-handles.js';
import { parseAddress, shownRawAddress, type MysqlAddress } from './address.js';
import type { MysqlColumn, MysqlError, MysqlHandle, MysqlOutcome, MysqlParam, MysqlRowSet } from './api.js';
import { paramValue } from './params.js';
import { cellBytes, cellValue, ConversionError, dataTypeOf } from './results.js';

/** Connections per address: a guest holds one per open connection for its request. */
export const POOL_MAX = 10;
export const MAX_POOLS = 16;
/** An idle pooled connection is closed after this long. */
export const IDLE_TIMEOUT_MS = 30_000;
/** How long `open` waits to connect, or for a free connection of a full pool. */
export const CONNECT_TIMEOUT_MS = 5_000;
/** A query's rows beyond this fail the query (Spin caps a result's bytes too). */
export const MAX_RESULT_BYTES = 64 * 1024 * 1024;
/** Prepared statements a pooled connection keeps between resets. */
const STATEMENT_CACHE = 32;

interface PoolEntry {
  pool: Pool;
  address: MysqlAddress;
}

interface Held {
  conn: PoolConnection;
  entry: PoolEntry;
  /** Set while a statement runs; a cut-off request kills it. */
  busy: boolean;
  /** Its socket failed, or it was killed: closed, never reused. */
  broken: boolean;
  killed: boolean;
  /** Its listener on the pooled connection, removed when it goes back (a connection serves many requests). */
  onError?: () => void;
}

const failure = (tag: MysqlError['tag'], val: string): { ok: false; error: MysqlError } => ({ ok: false, error: { tag, val } });

/** A result past MAX_RESULT_BYTES (Spin words it the same way). */
class ResultTooBig extends Error {
  constructor() {
    super(`query result exceeds limit of ${MAX_RESULT_BYTES} bytes`);
  }
}

/** The server's error as query-failed's text: its name, number and SQLSTATE, then its message. */
function queryFailed(err: unknown): { ok: false; error: MysqlError } {
  if (err instanceof ResultTooBig) return failure('other', err.message);
  if (err instanceof ConversionError) return failure('value-conversion-failed', err.message);
  const e = err as QueryError & { sqlMessage?: string; sqlState?: string };
  // Parameters that do not fit the statement's placeholders: too few (the server's ER_WRONG_ARGUMENTS) or too many (mysql2's check).
  if ((e?.errno === 1210 && /mysqld_stmt_execute/.test(e.message)) || /^Too many bind parameters/.test(e?.message ?? '')) {
    return failure('bad-parameter', e.errno === 1210 ? 'the statement has more placeholders than parameters were given' : e.message);
  }
  if (/LOCAL INFILE command server wants to read/.test(e?.message ?? '')) {
    return failure('query-failed', 'the server asked for a file of the host (LOAD DATA LOCAL INFILE), which spin-ts never sends');
  }
  if (typeof e?.errno === 'number' && e.sqlState)
    return failure('query-failed', `${e.code ?? 'ERROR'} (${e.errno}, SQLSTATE ${e.sqlState}): ${e.sqlMessage ?? e.message}`);
  return failure('query-failed', (err as Error)?.message ?? String(err));
}

/**
 * The TCP socket for a TLS connection to an IP address. mysql2 gives TLS no server name for an
 * IP, and Node then checks the certificate against the socket's `_host`, which a connect to
 * an IP leaves unset ('localhost' is checked instead): set, the certificate must name the IP.
 */
function ipSocket(host: string, port: number): () => Socket {
  return () => {
    const socket = netConnect(port, host);
    socket.setNoDelay(true);
    (socket as Socket & { _host?: string })._host = host;
    return socket;
  };
}

function poolOptions(a: MysqlAddress): PoolOptions {
  const host = a.host.replace(/^\[|\]$/g, '');
  const port = a.port ?? 3306;
  return {
    host,
    port,
    stream: a.tls && isIP(host) !== 0 ? ipSocket(host, port) : undefined,
    user: a.user ?? '',
    password: a.password,
    database: a.database,
    // Spin verifies the certificate and the host name; mysql2 checks the name only when asked (verifyIdentity).
    ssl: a.tls ? { rejectUnauthorized: true, verifyIdentity: true } : undefined,
    connectionLimit: POOL_MAX,
    maxIdle: POOL_MAX,
    idleTimeout: IDLE_TIMEOUT_MS,
    connectTimeout: CONNECT_TIMEOUT_MS,
    waitForConnections: true,
    queueLimit: 0,
    resetOnRelease: true,
    maxPreparedStatements: STATEMENT_CACHE,
    // No LOAD DATA LOCAL: the capability is not offered, and no infileStreamFactory exists to read a file.
    flags: ['-LOCAL_FILES', '-MULTI_STATEMENTS'],
    multipleStatements: false,
    supportBigNumbers: true,
    bigNumberStrings: true,
    dateStrings: true,
    jsonStrings: true,
    rowsAsArray: true,
    charset: 'utf8mb4',
    timezone: 'Z',
  };
}

export class MysqlConnections {
  private readonly pools = new Map<string, PoolEntry>();
  private readonly held = new RequestHandles<Held>();

  constructor(private readonly log: (line: string) => void) {}

  private poolFor(address: string, a: MysqlAddress): PoolEntry {
    let entry = this.pools.get(address);
    if (entry) {
      this.pools.delete(address);
      this.pools.set(address, entry); // most recently used last
      return entry;
    }
    const pool = mysql.createPool(poolOptions(a));
    // An idle connection that dies (the server restarted) leaves the pool; the next `open` connects anew.
    pool.on('connection', (c) => c.on('error', () => {}));
    entry = { pool, address: a };
    this.pools.set(address, entry);
    while (this.pools.size > MAX_POOLS) {
      const [oldestKey, oldest] = this.pools.entries().next().value as [string, PoolEntry];
      this.pools.delete(oldestKey);
      oldest.pool.end(() => {});
    }
    return entry;
  }

  /** A pooled connection, or the reason there is none within CONNECT_TIMEOUT_MS (a full pool waits that long). */
  private connect(entry: PoolEntry, signal: AbortSignal): Promise<PoolConnection> {
    return new Promise((resolve, reject) => {
      let settled = false;
      const settle = (fn: () => void) => {
        if (settled) return false;
        settled = true;
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        fn();
        return true;
      };
      const onAbort = () => settle(() => reject(new Error('the request ended')));
      const timer = setTimeout(
        () => settle(() => reject(new Error(`no connection within ${CONNECT_TIMEOUT_MS} ms (the pool's ${POOL_MAX} are in use)`))),
        CONNECT_TIMEOUT_MS + 500,
      );
      signal.addEventListener('abort', onAbort, { once: true });
      entry.pool.getConnection((err, conn) => {
        if (!settle(() => (err ? reject(err) : resolve(conn)))) conn?.release(); // given up on: straight back
      });
    });
  }

  async open(call: CallContext, address: string): Promise<MysqlOutcome<MysqlHandle>> {
    let conn: PoolConnection;
    let entry: PoolEntry;
    try {
      const a = parseAddress(address);
      entry = this.poolFor(address, a);
      conn = await this.connect(entry, call.signal);
    } catch (err) {
      const msg = (err as Error).message || String(err);
      this.log(`mysql: component '${call.componentId}' could not connect to ${shownRawAddress(address)}: ${msg}`);
      return failure('connection-failed', msg);
    }
    const held: Held = { conn, entry, busy: false, broken: false, killed: false };
    held.onError = () => (held.broken = true);
    conn.once('error', held.onError);
    return { ok: true, value: this.held.add(call, held) };
  }

  /**
   * Runs one prepared statement (as Spin's mysql_async does) on a held connection; the
   * request's end kills it on the server. Rows are counted as they arrive: past
   * MAX_RESULT_BYTES the statement is killed and the call fails, so a huge result never
   * piles up in the host.
   */
  private run(call: CallContext, h: Held, statement: string, params: MysqlParam[], collect: boolean): Promise<{ fields: FieldPacket[]; rows: unknown[][] }> {
    if (h.busy) return Promise.reject(new Error('the connection is running another statement'));
    h.busy = true;
    return new Promise((resolve, reject) => {
      const rows: unknown[][] = [];
      let fields: FieldPacket[] = [];
      let bytes = 0;
      let failed: unknown;
      const onAbort = () => this.kill(h);
      call.signal.addEventListener('abort', onAbort, { once: true });
      const cmd = h.conn.execute({ sql: statement, values: params.map(paramValue) });
      cmd.on('fields', (f: FieldPacket[] | undefined) => {
        if (f) fields = f;
      });
      cmd.on('result', (row: unknown) => {
        if (failed || !collect || !Array.isArray(row)) return; // execute: rows are not the answer
        for (const cell of row) bytes += cellBytes(cell);
        if (bytes > MAX_RESULT_BYTES) {
          failed = new ResultTooBig();
          rows.length = 0;
          this.kill(h);
        } else rows.push(row);
      });
      cmd.on('error', (err: unknown) => {
        failed ??= err;
      });
      let done = false;
      const finish = () => {
        if (done) return;
        done = true;
        call.signal.removeEventListener('abort', onAbort);
        h.conn.removeListener('end', lost);
        h.busy = false;
        if (failed) reject(failed);
        else resolve({ fields, rows });
      };
      // A connection that closes under a statement (killed, the server gone) ends it too.
      const lost = () => {
        failed ??= new Error('the connection to the server was lost');
        finish();
      };
      h.conn.once('end', lost);
      cmd.on('end', finish);
    });
  }

  /** Stops the running statement: KILL from a second connection, then the connection is dropped, not reused. */
  private kill(h: Held): void {
    h.broken = true;
    if (h.killed) return;
    h.killed = true;
    const id = h.conn.threadId;
    const killer = mysql.createConnection({ ...poolOptions(h.entry.address), connectTimeout: 2000 });
    killer.on('error', () => {});
    killer.query(`KILL ${Number(id)}`, () => {
      killer.destroy();
      h.conn.destroy();
    });
  }

  async query(call: CallContext, handle: MysqlHandle, statement: string, params: MysqlParam[]): Promise<MysqlOutcome<MysqlRowSet>> {
    const h = this.held.get(call, handle);
    if (!h) return failure('connection-failed', 'no connection found');
    try {
      const r = await this.run(call, h, statement, params, true);
      const columns: MysqlColumn[] = r.fields.map((f) => ({
        name: f.name,
        dataType: dataTypeOf({ name: f.name, columnType: f.columnType ?? 0, flags: typeof f.flags === 'number' ? f.flags : 0 }),
      }));
      const rows = r.rows.map((row) => row.map((cell, i) => cellValue(columns[i]!, cell)));
      return { ok: true, value: { columns, rows } };
    } catch (err) {
      return queryFailed(err);
    }
  }

  async execute(call: CallContext, handle: MysqlHandle, statement: string, params: MysqlParam[]): Promise<MysqlOutcome<null>> {
    const h = this.held.get(call, handle);
    if (!h) return failure('connection-failed', 'no connection found');
    try {
      await this.run(call, h, statement, params, false);
      return { ok: true, value: null };
    } catch (err) {
      return queryFailed(err);
    }
  }

  /** Hands a connection back: the pool resets a clean one (COM_RESET_CONNECTION); a cut-off or failed one is closed. */
  private release(h: Held): void {
    if (h.onError) h.conn.removeListener('error', h.onError);
    if (h.busy) this.kill(h);
    else if (h.broken) h.conn.destroy();
    else h.conn.release();
  }

  close(call: CallContext, handle: MysqlHandle): void {
    const h = this.held.take(call, handle);
    if (h) this.release(h);
  }

  /** Every connection the request still holds goes back (or is killed and closed if a statement still runs). */
  requestEnded(requestId: number): void {
    for (const h of this.held.takeRequest(requestId)) this.release(h);
  }

  async closeAll(): Promise<void> {
    for (const h of this.held.takeAll()) this.release(h);
    const pools = [...this.pools.values()];
    this.pools.clear();
    await Promise.all(pools.map((p) => new Promise<void>((resolve) => p.pool.end(() => resolve()))));
  }
}
