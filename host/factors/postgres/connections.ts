/**
 * PostgreSQL connections for guests, through node-postgres: one bounded pool per address
 * (and extra root certificate), at most MAX_POOLS addresses (the least recently used pool
 * is closed beyond that). A connection a guest opens is held for its request and handed
 * back at the request's end, however it ended; a connection whose query was cut off is
 * cancelled on the server (a CancelRequest) and dropped, so no statement outlives its
 * request. A server that is down fails `open` with connection-failed at once; the next
 * `open` tries again.
 */
import { connect as netConnect } from 'node:net';
import { rootCertificates } from 'node:tls';
import pg from 'pg';
import type { CallContext } from '../../components/bridge.js';
import { RequestHandles } from '../request-handles.js';
import { parseAddress, shownAddress, type PgAddress } from './address.js';
import type { PgColumn, PgDbError, PgError, PgHandle, PgOutcome, PgParam, PgRowSet } from './api.js';
import { ParamError, paramValue } from './params.js';
import { cellValue, dataTypeOf, isKnownType } from './results.js';

/** Connections per address: a guest holds one per open connection for its request. */
export const POOL_MAX = 10;
export const MAX_POOLS = 16;
/** An idle pooled connection is closed after this long. */
export const IDLE_TIMEOUT_MS = 30_000;
/** How long `open` waits to connect, or for a free connection of a full pool. */
export const CONNECT_TIMEOUT_MS = 5_000;
/** A query's rows, as text, beyond this fail the query (Spin caps a result's bytes too). */
export const MAX_RESULT_BYTES = 64 * 1024 * 1024;

/** Every type is read as PostgreSQL's text (results.ts converts by column type). */
const RAW_TEXT = { getTypeParser: () => (v: string) => v };

interface Held {
  client: pg.PoolClient;
  pool: PoolEntry;
  /** Set while a query runs; a cut-off request cancels it. */
  busy: boolean;
  broken: boolean;
  cancelled: boolean;
}

interface PoolEntry {
  pool: pg.Pool;
  address: PgAddress;
  shown: string;
  /** Type names of non-built-in OIDs, for `other(name)` columns. */
  typeNames: Map<number, string>;
}

const failure = (tag: 'connection-failed' | 'bad-parameter' | 'value-conversion-failed' | 'other', val: string): { ok: false; error: PgError } => ({
  ok: false,
  error: { tag, val },
});

function dbError(err: pg.DatabaseError): PgDbError {
  const extras: Array<[string, string]> = [];
  for (const k of ['column', 'constraint', 'routine', 'hint', 'table', 'dataType', 'schema', 'file', 'line', 'where'] as const) {
    const v = err[k];
    if (v !== undefined && v !== null) extras.push([k === 'dataType' ? 'datatype' : k === 'where' ? 'where_' : k, String(v)]);
  }
  return {
    asText: `${err.severity ?? 'ERROR'}: ${err.message} (SQLSTATE ${err.code ?? '?'})`,
    severity: err.severity ?? 'ERROR',
    code: err.code ?? '',
    message: err.message,
    detail: err.detail ?? undefined,
    extras,
  };
}

/** A result past MAX_RESULT_BYTES (Spin words it the same way). */
class ResultTooBig extends Error {
  constructor() {
    super(`query result exceeds limit of ${MAX_RESULT_BYTES} bytes`);
  }
}

interface Ran {
  fields: pg.FieldDef[];
  rows: Array<Array<string | null>>;
  rowCount: number | null;
}

function queryFailed(err: unknown): { ok: false; error: PgError } {
  if (err instanceof pg.DatabaseError) return { ok: false, error: { tag: 'query-failed', val: { tag: 'db-error', val: dbError(err) } } };
  return { ok: false, error: { tag: 'query-failed', val: { tag: 'text', val: (err as Error).message ?? String(err) } } };
}

/** Sends PostgreSQL's CancelRequest for a backend (a fresh TCP connection, no login needed). */
function cancelBackend(host: string, port: number, processId: number, secretKey: number): Promise<void> {
  return new Promise((resolve) => {
    const socket = netConnect({ host, port });
    const done = () => {
      socket.destroy();
      resolve();
    };
    socket.setTimeout(2000, done);
    socket.on('error', done);
    socket.on('close', done);
    socket.on('connect', () => {
      const msg = Buffer.alloc(16);
      msg.writeInt32BE(16, 0);
      msg.writeInt32BE(80877102, 4);
      msg.writeInt32BE(processId, 8);
      msg.writeInt32BE(secretKey, 12);
      socket.end(msg);
    });
  });
}

function poolConfig(a: PgAddress, host: { host: string; port: number | undefined }, ssl: false | { ca?: string[] }): pg.PoolConfig {
  return {
    host: host.host,
    port: host.port ?? 5432,
    user: a.user,
    password: a.password,
    database: a.database,
    application_name: a.applicationName,
    options: a.options,
    ssl: ssl === false ? false : { rejectUnauthorized: true, ...(ssl.ca ? { ca: ssl.ca } : {}) },
    max: POOL_MAX,
    idleTimeoutMillis: IDLE_TIMEOUT_MS,
    connectionTimeoutMillis: (a.connectTimeoutSeconds ?? 0) > 0 ? a.connectTimeoutSeconds! * 1000 : CONNECT_TIMEOUT_MS,
    types: RAW_TEXT,
  };
}

export class PgConnections {
  private readonly pools = new Map<string, PoolEntry>();
  private readonly held = new RequestHandles<Held>();
  /** Who holds each pooled client now, for its one error listener (a client is reused across requests). */
  private readonly holder = new WeakMap<pg.PoolClient, Held>();
  private readonly watched = new WeakSet<pg.PoolClient>();

  constructor(private readonly log: (line: string) => void) {}

  private makePool(key: string, a: PgAddress, ssl: false | { ca?: string[] }, hostIndex: number): PoolEntry {
    const pool = new pg.Pool(poolConfig(a, a.hosts[hostIndex]!, ssl));
    // An idle connection that dies (the server restarted) is dropped; the next `open` connects anew.
    pool.on('error', () => {});
    const entry: PoolEntry = { pool, address: a, shown: shownAddress(a), typeNames: new Map() };
    this.pools.set(key, entry);
    while (this.pools.size > MAX_POOLS) {
      const [oldestKey, oldest] = this.pools.entries().next().value as [string, PoolEntry];
      this.pools.delete(oldestKey);
      void oldest.pool.end().catch(() => {});
    }
    return entry;
  }

  /** A pooled connection to the first host that answers; `prefer` falls back to plain TCP when the server has no TLS, as libpq does. */
  private async connect(address: string, caRoot: string | undefined): Promise<{ client: pg.PoolClient; entry: PoolEntry }> {
    const a = parseAddress(address);
    const ca = caRoot ? [...rootCertificates, caRoot] : undefined;
    let lastError: Error | undefined;
    for (let i = 0; i < a.hosts.length; i++) {
      const modes: Array<false | { ca?: string[] }> = a.sslMode === 'disable' ? [false] : a.sslMode === 'require' ? [{ ca }] : [{ ca }, false];
      for (const ssl of modes) {
        const key = JSON.stringify([address, caRoot ?? null, i, ssl === false]);
        // A `prefer` address whose server had no TLS last time goes straight to plain TCP.
        if (ssl !== false && a.sslMode === 'prefer' && this.pools.has(JSON.stringify([address, caRoot ?? null, i, true]))) continue;
        let entry = this.pools.get(key);
        if (entry) {
          this.pools.delete(key);
          this.pools.set(key, entry); // most recently used last
        } else entry = this.makePool(key, a, ssl, i);
        try {
          return { client: await entry.pool.connect(), entry };
        } catch (err) {
          lastError = err as Error;
          if (ssl !== false && /does not support SSL/.test(lastError.message)) {
            this.pools.delete(key);
            void entry.pool.end().catch(() => {});
            continue;
          }
          break;
        }
      }
    }
    throw lastError ?? new Error('no host to connect to');
  }

  async open(call: CallContext, address: string, caRoot: string | undefined): Promise<PgOutcome<PgHandle>> {
    let got: { client: pg.PoolClient; entry: PoolEntry };
    try {
      got = await this.connect(address, caRoot);
    } catch (err) {
      const msg = (err as Error).message || String(err);
      this.log(`postgres: component '${call.componentId}' could not connect to ${safeShown(address)}: ${msg}`);
      return failure('connection-failed', msg);
    }
    const { client, entry } = got;
    if (call.signal.aborted) {
      client.release();
      return failure('connection-failed', 'the request ended');
    }
    // A connection whose socket fails between queries is dropped rather than reused.
    const held: Held = { client, pool: entry, busy: false, broken: false, cancelled: false };
    this.holder.set(client, held);
    if (!this.watched.has(client)) {
      this.watched.add(client);
      client.on('error', () => {
        const h = this.holder.get(client);
        if (h) h.broken = true;
      });
    }
    return { ok: true, value: this.held.add(call, held) };
  }

  /**
   * Runs one statement on a held connection; the request's end cancels it on the server.
   * Rows are counted as they arrive: past MAX_RESULT_BYTES of text the statement is
   * cancelled and the call fails, so a huge result never piles up in the host.
   */
  private async run(call: CallContext, h: Held, statement: string, values: Array<string | Buffer | null>, collect: boolean): Promise<Ran> {
    if (h.busy) throw new Error('the connection is running another statement');
    h.busy = true;
    const onAbort = () => this.cancel(h);
    call.signal.addEventListener('abort', onAbort, { once: true });
    try {
      // Always the extended protocol: one statement per call, as Spin's tokio-postgres runs it.
      const query = new pg.Query({ text: statement, values, rowMode: 'array', types: RAW_TEXT, queryMode: 'extended' } as pg.QueryConfig);
      const rows: Array<Array<string | null>> = [];
      let bytes = 0;
      let tooBig = false;
      query.on('row', (row: Array<string | null>) => {
        if (tooBig || !collect) return; // execute: rows are not the answer
        for (const cell of row) bytes += cell === null ? 1 : cell.length;
        if (bytes > MAX_RESULT_BYTES) {
          tooBig = true;
          rows.length = 0;
          this.cancel(h);
        } else rows.push(row);
      });
      const done = new Promise<pg.QueryResult>((resolve, reject) => {
        query.on('end', resolve);
        query.on('error', reject);
      });
      void h.client.query(query);
      let result: pg.QueryResult;
      try {
        result = await done;
      } catch (err) {
        if (tooBig) throw new ResultTooBig();
        throw err;
      }
      if (tooBig) throw new ResultTooBig();
      return { fields: result.fields ?? [], rows, rowCount: result.rowCount };
    } finally {
      call.signal.removeEventListener('abort', onAbort);
      h.busy = false;
    }
  }

  /** Stops the running statement on the server (a CancelRequest to its backend); the connection is then dropped, not reused. */
  private cancel(h: Held): void {
    h.broken = true;
    if (h.cancelled) return;
    h.cancelled = true;
    const c = h.client as pg.PoolClient & { processID?: number; secretKey?: number; host?: string; port?: number };
    if (c.processID !== undefined && c.secretKey !== undefined && c.host) void cancelBackend(c.host, c.port ?? 5432, c.processID, c.secretKey);
  }

  private async columnsOf(h: Held, fields: pg.FieldDef[]): Promise<PgColumn[]> {
    const unknown = [...new Set(fields.map((f) => f.dataTypeID).filter((oid) => !isKnownType(oid) && !h.pool.typeNames.has(oid)))];
    if (unknown.length) {
      const r = await h.client.query({
        text: 'SELECT oid::int4::text, typname::text FROM pg_catalog.pg_type WHERE oid = ANY($1::oid[])',
        values: [`{${unknown.join(',')}}`],
        rowMode: 'array',
        types: RAW_TEXT,
      });
      for (const [oid, name] of r.rows as string[][]) h.pool.typeNames.set(Number(oid), name!);
    }
    return fields.map((f) => ({ name: f.name, dataType: dataTypeOf(f.dataTypeID, (oid) => h.pool.typeNames.get(oid) ?? String(oid)) }));
  }

  async query(call: CallContext, handle: PgHandle, statement: string, params: PgParam[]): Promise<PgOutcome<PgRowSet>> {
    const h = this.held.get(call, handle);
    if (!h) return failure('other', 'this connection is closed');
    let values: Array<string | Buffer | null>;
    try {
      values = params.map(paramValue);
    } catch (err) {
      if (err instanceof ParamError) return failure(/unsigned/.test(err.message) ? 'value-conversion-failed' : 'bad-parameter', err.message);
      throw err;
    }
    try {
      const r = await this.run(call, h, statement, values, true);
      const fields = r.fields;
      const columns = await this.columnsOf(h, fields);
      const rows = r.rows.map((row) => row.map((cell, i) => cellValue(fields[i]!.dataTypeID, cell)));
      return { ok: true, value: { columns, rows } };
    } catch (err) {
      return queryFailed(err);
    }
  }

  async execute(call: CallContext, handle: PgHandle, statement: string, params: PgParam[]): Promise<PgOutcome<bigint>> {
    const h = this.held.get(call, handle);
    if (!h) return failure('other', 'this connection is closed');
    let values: Array<string | Buffer | null>;
    try {
      values = params.map(paramValue);
    } catch (err) {
      // Spin's execute reports a parameter it cannot convert as value-conversion-failed (its query says bad-parameter).
      if (err instanceof ParamError) return failure('value-conversion-failed', err.message);
      throw err;
    }
    try {
      const r = await this.run(call, h, statement, values, false);
      return { ok: true, value: BigInt(r.rowCount ?? 0) };
    } catch (err) {
      return queryFailed(err);
    }
  }

  /** Hands a connection back: a clean one after resetting its session (an open transaction, SET, temp tables), a cut-off or failed one is closed. */
  private release(h: Held): void {
    this.holder.delete(h.client);
    if (h.broken || h.busy) {
      if (h.busy) this.cancel(h);
      h.client.release(true);
      return;
    }
    void (async () => {
      try {
        await h.client.query('ROLLBACK');
        await h.client.query('DISCARD ALL');
        h.client.release();
      } catch {
        h.client.release(true);
      }
    })();
  }

  close(call: CallContext, handle: PgHandle): void {
    const h = this.held.take(call, handle);
    if (h) this.release(h);
  }

  /** Every connection the request still holds goes back (or is cancelled and closed if a statement still runs). */
  requestEnded(requestId: number): void {
    for (const h of this.held.takeRequest(requestId)) this.release(h);
  }

  async closeAll(): Promise<void> {
    for (const h of this.held.takeAll()) this.release(h);
    const pools = [...this.pools.values()];
    this.pools.clear();
    await Promise.all(pools.map((p) => p.pool.end().catch(() => {})));
  }
}

function safeShown(address: string): string {
  try {
    return shownAddress(parseAddress(address));
  } catch {
    return '(an invalid PostgreSQL address)';
  }
}
