/**
 * Guest side of fermyon:spin/sqlite, in the worker: both the resource-based @2.0.0
 * interface and the handle-based unversioned (Spin 1.x) one. Statements run right here,
 * on this worker's own connection to each database (WAL, busy timeout, the guest policy),
 * with no bridge hop, each as a native call the pool does not cut in half and that ends by
 * the request's deadline; a component reaches only the labels in its `sqlite_databases`.
 */
import type { GuestImportsFactory } from '../factor.js';
import { GuestResultError } from '../guest-error.js';
import type { SqliteGuestConfig, WitSqliteError, WitValue } from './api.js';
import { execute, openGuestDatabase, SqliteFailure, type Connection as Db } from './database.js';

/** This worker's connections, by database file: one each, shared by its components. */
const connections = new Map<string, Db>();

function connectionTo(file: string, busyTimeoutMs: number): Db {
  let db = connections.get(file);
  if (!db) {
    db = openGuestDatabase(file, busyTimeoutMs);
    connections.set(file, db);
  }
  return db;
}

function fail(variant: WitSqliteError): never {
  throw new GuestResultError(variant);
}

export const createGuestImports: GuestImportsFactory = (ctx) => {
  const config = (ctx.config as SqliteGuestConfig | undefined) ?? { databases: {}, limits: { maxRows: 0, maxBytes: 0 }, busyTimeoutMs: 0 };
  const used = new Set<Db>();

  /** The connection for `label`, or the WIT error the guest gets. */
  const open = (label: string): Db => {
    const file = Object.hasOwn(config.databases, label) ? config.databases[label] : undefined;
    // As Spin: any label the component does not list is access-denied, whether or not another component lists it.
    if (file === undefined) fail({ tag: 'access-denied' });
    try {
      const db = ctx.native(() => connectionTo(file, config.busyTimeoutMs));
      used.add(db);
      return db;
    } catch (err) {
      fail(err instanceof SqliteFailure ? err.variant : { tag: 'io', val: String(err) });
    }
  };
  const run = (db: Db, statement: string, parameters: WitValue[]) => {
    try {
      return ctx.native(() => execute(db, statement, parameters, config.limits, config.busyTimeoutMs, ctx.deadline()));
    } catch (err) {
      fail(err instanceof SqliteFailure ? err.variant : { tag: 'io', val: String(err) });
    }
  };

  /** fermyon:spin/sqlite@2.0.0 `connection`. */
  class Connection {
    readonly #db: Db;
    private constructor(db: Db) {
      this.#db = db;
    }
    static open(database: string): Connection {
      return new Connection(open(database));
    }
    execute(statement: string, parameters: WitValue[]) {
      return run(this.#db, statement, parameters);
    }
  }

  // Spin 1.x: connections are u32 handles, valid for the instance (one request).
  const handles = new Map<number, Db>();
  let nextHandle = 1;
  const v1 = {
    open(database: string): number {
      const db = open(database);
      handles.set(nextHandle, db);
      return nextHandle++;
    },
    execute(conn: number, statement: string, parameters: WitValue[]) {
      const db = handles.get(conn);
      if (!db) fail({ tag: 'invalid-connection' });
      return run(db, statement, parameters);
    },
    close(conn: number): void {
      handles.delete(conn);
    },
  };

  return {
    // jco's glue looks both interfaces up without their version: @2.0.0 takes `Connection`,
    // the unversioned one takes `open`/`execute`/`close`, and the names do not collide.
    imports: { 'fermyon:spin/sqlite': { Connection, ...v1 } },
    onInstance() {
      handles.clear();
      nextHandle = 1;
    },
    onRequestEnd() {
      // A transaction the guest left open must not keep the database locked for others.
      for (const db of used) {
        try {
          if (db.inTransaction) ctx.native(() => db.exec('ROLLBACK'));
        } catch (err) {
          ctx.log(`sqlite: could not roll back a transaction left open: ${(err as Error).message}`);
        }
      }
      used.clear();
      handles.clear();
    },
  };
};
