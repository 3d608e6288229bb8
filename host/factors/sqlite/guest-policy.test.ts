/**
 * A guest's SQL tried as an attacker would, on a real guest connection (openGuestDatabase):
 * host files, other databases, code, raw pages and process-wide settings are refused with
 * io("not allowed …"); ordinary SQL still works; a statement ends by its deadline; a value
 * too large for SQLite's memory bound fails before it is built.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { WitQueryResult, WitValue } from './api.js';
import { execute, openDatabase, openGuestDatabase, SqliteFailure } from './database.js';

const LIMITS = { maxRows: 10_000, maxBytes: 1 << 20 };

function setup() {
  const dir = mkdtempSync(join(tmpdir(), 'spin-ts-sqlite-policy-'));
  const secret = join(dir, 'secret.txt');
  writeFileSync(secret, 'host secret\n');
  // Another component's database, which a guest must not reach through ATTACH.
  const other = join(dir, 'other.db');
  const host = openDatabase(other);
  host.exec("CREATE TABLE private (v); INSERT INTO private VALUES ('other component data')");
  host.close();
  return { dir, secret, other, db: openGuestDatabase(join(dir, 'mine.db'), 200) };
}

function run(db: ReturnType<typeof openGuestDatabase>, sql: string, params: WitValue[] = [], deadline?: number): WitQueryResult {
  return execute(db, sql, params, LIMITS, 200, deadline);
}

function refused(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof SqliteFailure, String(err));
    assert.equal(err.variant.tag, 'io');
    return (err.variant as { val: string }).val;
  }
  assert.fail('expected the statement to be refused');
}

test('sqlite guest policy: the file functions are refused (readfile, writefile, fsdir, lsmode), in any letter case', () => {
  const { db, secret, dir } = setup();
  for (const sql of [`SELECT readfile('${secret}')`, `SELECT ReadFile('${secret}')`, `SELECT READFILE('${secret}')`, `SELECT lsmode(420)`]) {
    assert.match(
      refused(() => run(db, sql)),
      /not allowed/,
      sql,
    );
  }
  const written = join(dir, 'written.txt');
  assert.match(
    refused(() => run(db, `SELECT writefile('${written}', 'x')`)),
    /not allowed/,
  );
  assert.equal(existsSync(written), false, 'writefile must not have written the file');
  assert.match(
    refused(() => run(db, `SELECT name FROM fsdir('${dir}')`)),
    /not allowed/,
  );
  assert.match(
    refused(() => run(db, `SELECT name FROM FSDIR('${dir}')`)),
    /not allowed/,
  );
});

test('sqlite guest policy: ATTACH, DETACH and VACUUM INTO another file are refused; other components’ data stays out of reach', () => {
  const { db, other, dir } = setup();
  assert.match(
    refused(() => run(db, `ATTACH DATABASE '${other}' AS o`)),
    /not allowed/,
  );
  assert.match(
    refused(() => run(db, `SELECT v FROM o.private`)),
    /no such table/,
  );
  assert.match(
    refused(() => run(db, 'DETACH DATABASE main')),
    /not allowed/,
  );
  const copy = join(dir, 'copy.db');
  assert.match(
    refused(() => run(db, `VACUUM INTO '${copy}'`)),
    /not allowed/,
  );
  assert.equal(existsSync(copy), false);
});

test('sqlite guest policy: load_extension, the cipher configuration, raw pages and sha3_query are refused', () => {
  const { db } = setup();
  for (const sql of [
    "SELECT load_extension('/usr/lib/x86_64-linux-gnu/libc.so.6')",
    "SELECT sqlite3mc_config('cipher')",
    'SELECT * FROM sqlite_dbpage',
    "SELECT sha3_query('SELECT 1')",
    "SELECT fts3_tokenizer('simple')",
  ]) {
    assert.match(
      refused(() => run(db, sql)),
      /not allowed/,
      sql,
    );
  }
});

test('sqlite guest policy: PRAGMAs that show host paths or reach past the connection are refused; ordinary ones work in any case', () => {
  const { db } = setup();
  for (const sql of [
    'PRAGMA database_list',
    'SELECT * FROM pragma_database_list',
    'PRAGMA hard_heap_limit = 1',
    'PRAGMA soft_heap_limit = 1',
    'PRAGMA locking_mode = EXCLUSIVE',
    'PRAGMA journal_mode = DELETE',
    'PRAGMA writable_schema = ON',
    "PRAGMA key = 'x'",
    "PRAGMA temp_store_directory = '/tmp'",
    'PRAGMA cache_size = -100000000',
  ]) {
    assert.match(
      refused(() => run(db, sql)),
      /not allowed/,
      sql,
    );
  }
  run(db, 'PRAGMA FOREIGN_KEYS = ON');
  assert.deepEqual(run(db, 'PRAGMA foreign_keys').rows, [{ values: [{ tag: 'integer', val: 1n }] }]);
  run(db, 'PRAGMA user_version = 7');
  assert.deepEqual(run(db, 'PRAGMA user_version').rows, [{ values: [{ tag: 'integer', val: 7n }] }]);
  run(db, 'CREATE TABLE cols (a INTEGER, b TEXT)');
  assert.deepEqual(run(db, "SELECT count(*) FROM pragma_table_info('cols')").rows[0]!.values, [{ tag: 'integer', val: 2n }]);
});

test('sqlite guest policy: a trigger or view that calls a refused function is refused when it would run', () => {
  const { db, secret } = setup();
  run(db, 'CREATE TABLE log (v)');
  run(db, 'CREATE TABLE t (v)');
  // Creating it reads no file yet; the statement that would fire it is refused.
  run(db, `CREATE TRIGGER steal AFTER INSERT ON t BEGIN INSERT INTO log VALUES (readfile('${secret}')); END`);
  assert.match(
    refused(() => run(db, 'INSERT INTO t VALUES (1)')),
    /not allowed/,
  );
  assert.deepEqual(run(db, 'SELECT count(*) FROM log').rows, [{ values: [{ tag: 'integer', val: 0n }] }]);
  try {
    run(db, `CREATE VIEW peek AS SELECT readfile('${secret}') AS v`);
  } catch {
    return; // refused at creation: just as good
  }
  assert.match(
    refused(() => run(db, 'SELECT v FROM peek')),
    /not allowed|unsafe use/,
  );
});

test('sqlite guest policy: ordinary SQL still works (joins, CTEs, triggers, JSON, transactions, VACUUM, FTS5, upserts)', () => {
  const { db } = setup();
  run(db, 'CREATE TABLE a (id INTEGER PRIMARY KEY, name TEXT)');
  run(db, 'CREATE TABLE b (a_id INTEGER REFERENCES a(id), n INTEGER)');
  run(db, 'CREATE TABLE audit (what TEXT)');
  run(db, "CREATE TRIGGER a_ins AFTER INSERT ON a BEGIN INSERT INTO audit VALUES ('added ' || new.name); END");
  run(db, 'BEGIN');
  run(db, "INSERT INTO a (name) VALUES ('x'), ('y')");
  run(db, 'INSERT INTO b VALUES (1, 10), (1, 5), (2, 1)');
  run(db, 'COMMIT');
  assert.deepEqual(
    run(db, 'SELECT a.name, sum(b.n) FROM a JOIN b ON b.a_id = a.id GROUP BY a.name ORDER BY a.name').rows.map((r) =>
      r.values.map((v) => ('val' in v ? v.val : null)),
    ),
    [
      ['x', 15n],
      ['y', 1n],
    ],
  );
  assert.deepEqual(run(db, 'WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 5) SELECT sum(i) FROM c').rows[0]!.values, [
    { tag: 'integer', val: 15n },
  ]);
  assert.deepEqual(run(db, 'SELECT count(*) FROM audit').rows[0]!.values, [{ tag: 'integer', val: 2n }]);
  assert.deepEqual(run(db, `SELECT json_extract('{"a":{"b":[1,2,3]}}', '$.a.b[2]'), json_group_array(name) FROM a`).rows[0]!.values, [
    { tag: 'integer', val: 3n },
    { tag: 'text', val: '["x","y"]' },
  ]);
  run(db, 'BEGIN');
  run(db, "INSERT INTO a (name) VALUES ('rolled back')");
  run(db, 'ROLLBACK');
  assert.deepEqual(run(db, 'SELECT count(*) FROM a').rows[0]!.values, [{ tag: 'integer', val: 2n }]);
  run(db, "INSERT INTO a (id, name) VALUES (1, 'x2') ON CONFLICT(id) DO UPDATE SET name = excluded.name");
  assert.deepEqual(run(db, 'SELECT name FROM a WHERE id = 1').rows[0]!.values, [{ tag: 'text', val: 'x2' }]);
  run(db, 'VACUUM');
  run(db, 'CREATE VIRTUAL TABLE docs USING fts5(body)');
  run(db, "INSERT INTO docs VALUES ('the quick brown fox'), ('lazy dogs')");
  assert.deepEqual(run(db, "SELECT body FROM docs WHERE docs MATCH 'quick'").rows[0]!.values, [{ tag: 'text', val: 'the quick brown fox' }]);
  run(db, 'SAVEPOINT s1');
  run(db, 'RELEASE s1');
});

test('sqlite database: a statement still running at its deadline is interrupted, and the connection works afterwards', () => {
  const { db } = setup();
  const started = Date.now();
  const message = refused(() => run(db, 'WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c', [], Date.now() + 300));
  assert.match(message, /interrupted/);
  // Bounded by the deadline, not by the query (which never ends): a generous safety margin.
  assert.ok(Date.now() - started < 10_000);
  assert.deepEqual(run(db, 'SELECT 1').rows[0]!.values, [{ tag: 'integer', val: 1n }]);
  assert.match(
    refused(() => run(db, 'SELECT 1', [], Date.now() - 1)),
    /ran out of time/,
  );
});

test('sqlite database: a lock wait ends by the deadline even when the busy timeout is longer', () => {
  const { dir } = setup();
  const file = join(dir, 'locked.db');
  const holder = openGuestDatabase(file, 60_000);
  const waiter = openGuestDatabase(file, 60_000);
  execute(holder, 'CREATE TABLE t (x)', [], LIMITS);
  execute(holder, 'BEGIN IMMEDIATE', [], LIMITS);
  execute(holder, 'INSERT INTO t VALUES (1)', [], LIMITS);
  const started = Date.now();
  try {
    execute(waiter, 'INSERT INTO t VALUES (2)', [], LIMITS, 60_000, Date.now() + 300);
    assert.fail('the insert should not get the lock');
  } catch (err) {
    assert.ok(err instanceof SqliteFailure);
    assert.match((err.variant as { val: string }).val, /locked/);
  }
  assert.ok(Date.now() - started < 10_000, 'the wait must end near the deadline, not after the 60 s busy timeout');
  execute(holder, 'ROLLBACK', [], LIMITS);
});

test('sqlite database: a value past SQLite’s memory bound fails before it is built (zeroblob, randomblob, printf)', () => {
  const { db } = setup();
  const before = process.memoryUsage().rss;
  for (const sql of ['SELECT zeroblob(400000000)', 'SELECT length(randomblob(400000000))', "SELECT length(printf('%.*c', 400000000, 'x'))"]) {
    assert.match(
      refused(() => run(db, sql)),
      /memory|too big/i,
      sql,
    );
  }
  // The 400 MB values were never allocated: far less than one of them was added to the process.
  assert.ok(process.memoryUsage().rss - before < 200 * 2 ** 20, `rss grew by ${(process.memoryUsage().rss - before) / 2 ** 20} MiB`);
  assert.deepEqual(run(db, 'SELECT length(zeroblob(1000))').rows[0]!.values, [{ tag: 'integer', val: 1000n }]);
});
