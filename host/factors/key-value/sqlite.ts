/**
 * SQLite stores through libsql, in Spin's schema (table `spin_key_value(store, key, value)`),
 * so a Spin state directory and a spin-ts one hold the same file. Several labels may share
 * one file; each file has one connection, opened on first use, in WAL mode with a busy
 * timeout so another process on the same file waits instead of failing.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { openLibsql, type LibsqlDatabase, type LibsqlStatement } from '../libsql.js';
import type { KvBackend } from './backend.js';
import { KvError } from './api.js';
import { resultTooLarge } from './limits.js';

type Db = LibsqlDatabase;
type Stmt = LibsqlStatement;

const SCHEMA = `CREATE TABLE IF NOT EXISTS spin_key_value (
  store TEXT NOT NULL,
  key   TEXT NOT NULL,
  value BLOB NOT NULL,
  PRIMARY KEY (store, key)
)`;

/** One open file and its prepared statements. */
class SqliteFile {
  readonly db: Db;
  readonly get: Stmt;
  readonly set: Stmt;
  readonly delete: Stmt;
  readonly exists: Stmt;
  readonly keys: Stmt;

  constructor(location: string) {
    if (location !== ':memory:') mkdirSync(dirname(location), { recursive: true });
    this.db = openLibsql(location);
    if (location !== ':memory:') this.db.pragma('journal_mode = WAL');
    this.db.pragma('busy_timeout = 5000');
    this.db.pragma('synchronous = NORMAL');
    this.db.exec(SCHEMA);
    // raw(): rows as arrays (libsql's pluck() does not apply to get()).
    this.get = this.db.prepare('SELECT value FROM spin_key_value WHERE store = ? AND key = ?').raw();
    this.set = this.db.prepare('INSERT INTO spin_key_value (store, key, value) VALUES (?, ?, ?) ON CONFLICT(store, key) DO UPDATE SET value = excluded.value');
    this.delete = this.db.prepare('DELETE FROM spin_key_value WHERE store = ? AND key = ?');
    this.exists = this.db.prepare('SELECT 1 FROM spin_key_value WHERE store = ? AND key = ?').raw();
    this.keys = this.db.prepare('SELECT key FROM spin_key_value WHERE store = ?').raw();
  }

  /** Runs `fn` in one write transaction (BEGIN IMMEDIATE: no upgrade deadlock with another process). */
  transaction<T>(fn: () => T): T {
    this.db.exec('BEGIN IMMEDIATE');
    try {
      const result = fn();
      this.db.exec('COMMIT');
      return result;
    } catch (err) {
      this.db.exec('ROLLBACK');
      throw err;
    }
  }
}

function bytes(v: unknown): Uint8Array | undefined {
  if (v === undefined || v === null) return undefined;
  if (v instanceof Uint8Array) return v;
  if (v instanceof ArrayBuffer) return new Uint8Array(v);
  // A value some other writer stored as TEXT.
  return Buffer.from(String(v));
}

/** libsql binds a Buffer as a BLOB, but a plain Uint8Array as the text "[object Object]". */
function blob(v: Uint8Array): Buffer {
  return Buffer.isBuffer(v) ? v : Buffer.from(v.buffer, v.byteOffset, v.byteLength);
}

function sameBytes(a: Uint8Array | undefined, b: Uint8Array | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return Buffer.compare(a, b) === 0;
}

/** Opens files lazily and shares one connection per file between labels. */
export class SqliteFiles {
  private readonly open = new Map<string, SqliteFile>();
  private readonly memory: SqliteFile[] = [];

  backend(label: string, location: string): KvBackend {
    const shared = location === ':memory:' ? undefined : location;
    let file: SqliteFile | undefined;
    const db = (): SqliteFile => {
      if (file) return file;
      file = shared ? this.open.get(shared) : undefined;
      if (!file) {
        try {
          file = new SqliteFile(location);
        } catch (err) {
          throw new KvError('other', `cannot open the SQLite file ${location}: ${(err as Error).message}`);
        }
        if (shared) this.open.set(shared, file);
        else this.memory.push(file);
      }
      return file;
    };
    const read = (key: string) => bytes((db().get.get([label, key]) as unknown[] | undefined)?.[0]);
    return {
      summary: location === ':memory:' ? 'an in-memory SQLite store' : `SQLite file ${location}`,
      async ready() {
        db();
      },
      async get(key) {
        return read(key);
      },
      async set(key, value) {
        db().set.run([label, key, blob(value)]);
      },
      async delete(key) {
        db().delete.run([label, key]);
      },
      async exists(key) {
        return db().exists.get([label, key]) !== undefined;
      },
      async keys(maxBytes) {
        const out: string[] = [];
        let total = 0;
        for (const [key] of db().keys.iterate([label]) as Iterable<[string]>) {
          total += Buffer.byteLength(key);
          if (total > maxBytes) throw new KvError('other', resultTooLarge(total));
          out.push(key);
        }
        return out;
      },
      async getMany(keys) {
        return keys.map(read);
      },
      async setMany(entries) {
        const f = db();
        f.transaction(() => {
          for (const [k, v] of entries) f.set.run([label, k, blob(v)]);
        });
      },
      async deleteMany(keys) {
        const f = db();
        f.transaction(() => {
          for (const k of keys) f.delete.run([label, k]);
        });
      },
      // Spin's encoding: the counter is an i64, little-endian, 8 bytes.
      async increment(key, delta) {
        const f = db();
        return f.transaction(() => {
          const old = read(key);
          if (old !== undefined && old.byteLength !== 8) throw new KvError('other', `the value of '${key}' is not a counter (${old.byteLength} bytes, not 8)`);
          const current = old === undefined ? 0n : Buffer.from(old.buffer, old.byteOffset, 8).readBigInt64LE();
          const next = BigInt.asIntN(64, current + delta);
          if (next !== current + delta) throw new KvError('other', `incrementing '${key}' by ${delta} overflows a signed 64-bit integer`);
          const out = Buffer.alloc(8);
          out.writeBigInt64LE(next);
          f.set.run([label, key, out]);
          return next;
        });
      },
      async compareAndSwap(key, expected, value) {
        const f = db();
        return f.transaction(() => {
          if (!sameBytes(read(key), expected)) return false;
          f.set.run([label, key, blob(value)]);
          return true;
        });
      },
      async close() {},
    };
  }

  close(): void {
    for (const f of [...this.open.values(), ...this.memory]) f.db.close();
    this.open.clear();
    this.memory.length = 0;
  }
}
