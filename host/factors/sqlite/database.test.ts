/**
 * One statement on a real libsql connection: values both ways, SQLite's own error
 * messages, database-full, a locked database, and the result bound.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { WitValue } from './api.js';
import { execute, openDatabase, SqliteFailure } from './database.js';

const LIMITS = { maxRows: 1000, maxBytes: 1 << 20 };
const fresh = () => openDatabase(join(mkdtempSync(join(tmpdir(), 'spin-ts-sqlite-')), 'db', 'test.db'), 200);

function failure(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof SqliteFailure, String(err));
    return err.variant;
  }
  assert.fail('expected a SqliteFailure');
}

test('sqlite database: every value type round-trips through parameters (integer incl. 64-bit, real, text, blob, null)', () => {
  const db = fresh();
  execute(db, 'CREATE TABLE t (v)', [], LIMITS);
  const values: WitValue[] = [
    { tag: 'integer', val: 9223372036854775807n },
    { tag: 'integer', val: -9223372036854775808n },
    { tag: 'integer', val: 42n },
    { tag: 'real', val: 2 },
    { tag: 'real', val: -1.5e300 },
    { tag: 'text', val: 'héllo ☃' },
    { tag: 'blob', val: new Uint8Array([0, 1, 255]) },
    { tag: 'null' },
  ];
  for (const v of values) assert.deepEqual(execute(db, 'INSERT INTO t VALUES (?)', [v], LIMITS), { columns: [], rows: [] });
  const r = execute(db, 'SELECT v, typeof(v) AS kind FROM t ORDER BY rowid', [], LIMITS);
  assert.deepEqual(r.columns, ['v', 'kind']);
  assert.deepEqual(
    r.rows.map((row) => row.values[0]),
    values,
  );
  assert.deepEqual(
    r.rows.map((row) => (row.values[1] as { val: string }).val),
    ['integer', 'integer', 'integer', 'real', 'real', 'text', 'blob', 'null'],
  );
});

test("sqlite database: SQL errors and constraint violations are io() with SQLite's message", () => {
  const db = fresh();
  execute(db, 'CREATE TABLE u (k TEXT PRIMARY KEY NOT NULL)', [], LIMITS);
  execute(db, 'INSERT INTO u VALUES (?)', [{ tag: 'text', val: 'a' }], LIMITS);
  assert.deepEqual(
    failure(() => execute(db, 'INSERT INTO u VALUES (?)', [{ tag: 'text', val: 'a' }], LIMITS)),
    { tag: 'io', val: 'UNIQUE constraint failed: u.k' },
  );
  assert.deepEqual(
    failure(() => execute(db, 'INSERT INTO u VALUES (NULL)', [], LIMITS)),
    { tag: 'io', val: 'NOT NULL constraint failed: u.k' },
  );
  assert.deepEqual(
    failure(() => execute(db, 'SELEC 1', [], LIMITS)),
    { tag: 'io', val: 'near "SELEC": syntax error' },
  );
  assert.deepEqual(
    failure(() => execute(db, 'SELECT * FROM nope', [], LIMITS)),
    { tag: 'io', val: 'no such table: nope' },
  );
  assert.match((failure(() => execute(db, 'SELECT ?', [{ tag: 'bogus' } as never], LIMITS)) as { val: string }).val, /parameter 1 is not a sqlite value/);
});

test('sqlite database: a full database is database-full', () => {
  const db = fresh();
  execute(db, 'CREATE TABLE b (x BLOB)', [], LIMITS);
  execute(db, 'PRAGMA max_page_count = 3', [], LIMITS);
  assert.deepEqual(
    failure(() => execute(db, 'INSERT INTO b VALUES (zeroblob(100000))', [], LIMITS)),
    { tag: 'database-full' },
  );
});

test('sqlite database: a database locked past the busy timeout is io() saying so', () => {
  const file = join(mkdtempSync(join(tmpdir(), 'spin-ts-sqlite-')), 'locked.db');
  const holder = openDatabase(file, 200);
  const other = openDatabase(file, 200);
  execute(holder, 'CREATE TABLE t (x)', [], LIMITS);
  holder.exec('BEGIN IMMEDIATE');
  const started = Date.now();
  const v = failure(() => execute(other, 'INSERT INTO t VALUES (1)', [], LIMITS, 200)) as { tag: string; val: string };
  assert.ok(Date.now() - started >= 150, 'it waited for the lock first');
  assert.equal(v.tag, 'io');
  assert.match(v.val, /database is locked \(still locked after waiting 200 ms\)/);
  holder.exec('ROLLBACK');
  execute(other, 'INSERT INTO t VALUES (1)', [], LIMITS, 200);
});

test('sqlite database: a result past the row or byte bound is a clear io() error, and the connection stays usable', () => {
  const db = fresh();
  execute(db, 'CREATE TABLE n (i INTEGER, s TEXT)', [], LIMITS);
  execute(db, "WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 2000) INSERT INTO n SELECT i, printf('%0100d', i) FROM c", [], LIMITS);
  const rows = failure(() => execute(db, 'SELECT i FROM n', [], { maxRows: 1000, maxBytes: 1 << 30 })) as { val: string };
  assert.match(rows.val, /more than 1000 rows, past spin-ts's bound on one result/);
  const bytes = failure(() => execute(db, 'SELECT s FROM n', [], { maxRows: 1e9, maxBytes: 50_000 })) as { val: string };
  assert.match(bytes.val, /more than 50000 bytes/);
  // The abandoned read does not keep a snapshot open: this connection can still write.
  execute(db, 'INSERT INTO n VALUES (0, ?)', [{ tag: 'text', val: 'x' }], LIMITS);
  assert.deepEqual(execute(db, 'SELECT count(*) FROM n', [], LIMITS).rows[0]!.values, [{ tag: 'integer', val: 2001n }]);
});
