/**
 * fermyon:spin/sqlite@2.0.0 through a real component (js-sqlite over wasi:http) served by
 * `spin-ts up` over real HTTP: values, errors, access control, the result bound, eight
 * workers writing at once, a transaction left open, persistence across a restart,
 * --sqlite seeding and start-up errors.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { guest, runCli, startSpin, writeApp, type RunningSpin } from './support/spin.js';

type Value =
  { type: 'integer'; value: string } | { type: 'real'; value: number } | { type: 'text'; value: string } | { type: 'blob'; value: number[] } | { type: 'null' };
interface ExecReply {
  columns?: string[];
  rows?: Value[][];
  error?: { kind: string; message: string | null };
}

const MANIFEST = `
spin_manifest_version = 2
[application]
name = "sqlite-app"
[[trigger.http]]
route = "/web/..."
component = "web"
[[trigger.http]]
route = "/admin/..."
component = "admin"
[[trigger.http]]
route = "/none/..."
component = "none"
[component.web]
source = "${guest('js-sqlite')}"
sqlite_databases = ["default"]
[component.admin]
source = "${guest('js-sqlite')}"
sqlite_databases = ["default", "audit", "tiny"]
[component.none]
source = "${guest('js-sqlite')}"
`;

const RUNTIME_CONFIG = `[sqlite_database.audit]
type = "spin"
path = "data/audit.db"

[sqlite_database.tiny]
type = "spin"
path = "data/tiny.db"
`;

let dir: string;
let manifest: string;
let spin: RunningSpin;

async function exec(component: string, sql: string | string[], params: Value[] = [], db = 'default'): Promise<{ status: number; body: ExecReply }> {
  const res = await fetch(`${spin.url}/${component}/exec`, { method: 'POST', body: JSON.stringify({ db, sql, params }) });
  return { status: res.status, body: (await res.json()) as ExecReply };
}

function start(extra: string[] = []): Promise<RunningSpin> {
  return startSpin(['-f', manifest, '--state-dir', join(dir, 'state'), '--runtime-config-file', join(dir, 'runtime-config.toml'), '--workers', '8', ...extra]);
}

describe('sqlite (fermyon:spin/sqlite@2.0.0, js-sqlite guest)', () => {
  before(async () => {
    manifest = await writeApp(MANIFEST, { 'runtime-config.toml': RUNTIME_CONFIG });
    dir = join(manifest, '..');
    await writeFile(join(dir, 'seed.sql'), "INSERT INTO seeded VALUES ('from-file');\n");
    spin = await start([
      '--sqlite',
      'CREATE TABLE seeded (v TEXT)',
      '--sqlite',
      `@${join(dir, 'seed.sql')}`,
      '--sqlite',
      "INSERT INTO seeded VALUES ('from-flag')",
    ]);
  });
  after(async () => {
    await spin?.stop();
  });

  test('--sqlite statements and @files ran on the default database at start, in order', async () => {
    const r = await exec('web', 'SELECT v FROM seeded ORDER BY rowid');
    assert.deepEqual(r.body.rows, [[{ type: 'text', value: 'from-file' }], [{ type: 'text', value: 'from-flag' }]]);
  });

  test('every value type round-trips through parameters and rows (integer incl. 64-bit, real, text, blob, null)', async () => {
    await exec('web', 'CREATE TABLE vals (v)');
    const values: Value[] = [
      { type: 'integer', value: '9223372036854775807' },
      { type: 'integer', value: '-9223372036854775808' },
      { type: 'real', value: 2.5 },
      { type: 'real', value: 3 },
      { type: 'text', value: 'héllo ☃' },
      { type: 'blob', value: [0, 1, 254, 255] },
      { type: 'null' },
    ];
    for (const v of values) assert.equal((await exec('web', 'INSERT INTO vals VALUES (?)', [v])).status, 200);
    const r = await exec('web', 'SELECT v, typeof(v) AS kind FROM vals ORDER BY rowid');
    assert.deepEqual(r.body.columns, ['v', 'kind']);
    assert.deepEqual(
      r.body.rows!.map((row) => row[0]),
      values,
    );
    assert.deepEqual(
      r.body.rows!.map((row) => (row[1] as { value: string }).value),
      ['integer', 'integer', 'real', 'real', 'text', 'blob', 'null'],
    );
    const p = await exec('web', 'SELECT ? + ?, ? || ?', [
      { type: 'integer', value: '40' },
      { type: 'integer', value: '2' },
      { type: 'text', value: 'a' },
      { type: 'text', value: 'b' },
    ]);
    assert.deepEqual(p.body.rows, [
      [
        { type: 'integer', value: '42' },
        { type: 'text', value: 'ab' },
      ],
    ]);
  });

  // As Spin's sqlite factor: every label the component does not list is access-denied, known to the app or not.
  test('access: a label the component does not list is access-denied, whether another component lists it or nobody does', async () => {
    assert.deepEqual(await exec('web', 'SELECT 1', [], 'audit'), { status: 403, body: { error: { kind: 'access-denied', message: null } } });
    assert.deepEqual(await exec('web', 'SELECT 1', [], 'nope'), { status: 403, body: { error: { kind: 'access-denied', message: null } } });
    assert.deepEqual(await exec('none', 'SELECT 1'), { status: 403, body: { error: { kind: 'access-denied', message: null } } });
    const audit = await exec('admin', ['CREATE TABLE IF NOT EXISTS a (x)', "INSERT INTO a VALUES ('only-audit')", 'SELECT x FROM a'], [], 'audit');
    assert.deepEqual(audit.body.rows, [[{ type: 'text', value: 'only-audit' }]]);
    assert.match((await exec('web', 'SELECT x FROM a')).body.error!.message!, /no such table: a/, 'audit is a different file from default');
  });

  test("SQL errors and constraint violations come back as io() with SQLite's message; the host keeps serving", async () => {
    await exec('web', 'CREATE TABLE uniq (k TEXT PRIMARY KEY)');
    await exec('web', 'INSERT INTO uniq VALUES (?)', [{ type: 'text', value: 'a' }]);
    assert.deepEqual(await exec('web', 'INSERT INTO uniq VALUES (?)', [{ type: 'text', value: 'a' }]), {
      status: 400,
      body: { error: { kind: 'io', message: 'UNIQUE constraint failed: uniq.k' } },
    });
    assert.deepEqual(await exec('web', 'SELEC 1'), { status: 400, body: { error: { kind: 'io', message: 'near "SELEC": syntax error' } } });
    assert.deepEqual((await exec('web', 'SELECT 1 AS one')).body.rows, [[{ type: 'integer', value: '1' }]]);
  });

  test('a full database is database-full', async () => {
    const r = await exec(
      'admin',
      ['PRAGMA max_page_count = 3', 'CREATE TABLE IF NOT EXISTS big (b BLOB)', 'INSERT INTO big VALUES (zeroblob(200000))'],
      [],
      'tiny',
    );
    assert.deepEqual(r, { status: 500, body: { error: { kind: 'database-full', message: null } } });
  });

  test('a query returning a million rows stops at the bound with a clear error, and the worker keeps serving', async () => {
    const r = await exec('web', 'WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 1000000) SELECT i, zeroblob(10) FROM c');
    assert.equal(r.status, 400);
    assert.equal(r.body.error!.kind, 'io');
    assert.match(r.body.error!.message!, /the query returned more than 100000 rows, past spin-ts's bound on one result; page it with LIMIT\/OFFSET/);
    assert.equal((await exec('web', 'SELECT count(*) FROM seeded')).status, 200);
  });

  test('8 workers writing at once lose nothing (inserts and read-modify-write updates)', async () => {
    await exec('web', ['CREATE TABLE hits (worker INTEGER)', 'CREATE TABLE counter (n INTEGER)', 'INSERT INTO counter VALUES (0)']);
    const N = 160;
    const replies = await Promise.all(
      Array.from({ length: N }, (_, i) =>
        exec('web', ['INSERT INTO hits VALUES (?)', 'UPDATE counter SET n = n + 1 WHERE ? IS NOT NULL'], [{ type: 'integer', value: String(i) }]),
      ),
    );
    const failed = replies.filter((r) => r.status !== 200);
    assert.deepEqual(failed, [], 'every write succeeded');
    assert.deepEqual((await exec('web', 'SELECT count(*), count(DISTINCT worker) FROM hits')).body.rows, [
      [
        { type: 'integer', value: String(N) },
        { type: 'integer', value: String(N) },
      ],
    ]);
    assert.deepEqual((await exec('web', 'SELECT n FROM counter')).body.rows, [[{ type: 'integer', value: String(N) }]]);
  });

  test('a transaction the guest leaves open is rolled back when its request ends, so no worker stays locked out', async () => {
    await exec('web', 'CREATE TABLE tx (v)');
    const open = await exec('web', ['BEGIN IMMEDIATE', "INSERT INTO tx VALUES ('uncommitted')", 'SELECT count(*) FROM tx']);
    assert.deepEqual(open.body.rows, [[{ type: 'integer', value: '1' }]]);
    const writes = await Promise.all(Array.from({ length: 16 }, () => exec('web', "INSERT INTO tx VALUES ('later')")));
    assert.deepEqual(
      writes.map((w) => w.status),
      Array(16).fill(200),
    );
    assert.deepEqual((await exec('web', "SELECT count(*) FROM tx WHERE v = 'uncommitted'")).body.rows, [[{ type: 'integer', value: '0' }]]);
  });

  test('data survives a restart (default in <state_dir>/sqlite_db.db, named labels at their runtime-config paths)', async () => {
    await exec('web', ['CREATE TABLE persisted (v)', "INSERT INTO persisted VALUES ('kept')"]);
    await spin.stop();
    spin = await start();
    assert.deepEqual((await exec('web', 'SELECT v FROM persisted')).body.rows, [[{ type: 'text', value: 'kept' }]]);
    assert.deepEqual((await exec('admin', 'SELECT x FROM a', [], 'audit')).body.rows, [[{ type: 'text', value: 'only-audit' }]]);
  });
});

const RUST_SQLITE = guest('rust-sqlite');

describe('sqlite, unversioned fermyon:spin/sqlite (Spin 1.x handles, rust-sqlite guest)', { skip: !existsSync(RUST_SQLITE) && 'Rust guests not built' }, () => {
  let app: RunningSpin;
  before(async () => {
    const m = await writeApp(`
spin_manifest_version = 2
[application]
name = "sqlite-v1"
[[trigger.http]]
route = "/rust/..."
component = "rust"
[[trigger.http]]
route = "/locked-out/..."
component = "locked-out"
[[trigger.http]]
route = "/js/..."
component = "js"
[component.rust]
source = "${RUST_SQLITE}"
sqlite_databases = ["default"]
[component.locked-out]
source = "${RUST_SQLITE}"
[component.js]
source = "${guest('js-sqlite')}"
sqlite_databases = ["default"]
`);
    app = await startSpin(['-f', m, '--state-dir', join(m, '..', 'state'), '--sqlite', "CREATE TABLE shared (v TEXT); INSERT INTO shared VALUES ('seeded')"]);
  });
  after(async () => {
    await app?.stop();
  });
  const rust = async (path: string, body?: string) => {
    const res = await fetch(app.url + path, body === undefined ? {} : { method: 'POST', body });
    return { status: res.status, text: await res.text() };
  };

  test('every value type round-trips through parameters (i64::MIN/MAX, real, text, blob, null)', async () => {
    assert.deepEqual(await rust('/rust/roundtrip'), { status: 200, text: 'ok' });
  });

  test('rows come back with their columns, and a v2 guest sees what a v1 guest wrote', async () => {
    assert.equal((await rust('/rust/exec', "INSERT INTO shared VALUES ('from-rust')")).status, 200);
    const r = await rust('/rust/exec', 'SELECT v, 7 AS n, 1.5 AS r, NULL AS z FROM shared ORDER BY rowid');
    assert.deepEqual(JSON.parse(r.text), {
      columns: ['v', 'n', 'r', 'z'],
      rows: [
        [{ type: 'text', value: 'seeded' }, { type: 'integer', value: '7' }, { type: 'real', value: 1.5 }, { type: 'null' }],
        [{ type: 'text', value: 'from-rust' }, { type: 'integer', value: '7' }, { type: 'real', value: 1.5 }, { type: 'null' }],
      ],
    });
    const js = await fetch(app.url + '/js/exec', { method: 'POST', body: JSON.stringify({ sql: "SELECT count(*) FROM shared WHERE v = 'from-rust'" }) });
    assert.deepEqual(((await js.json()) as ExecReply).rows, [[{ type: 'integer', value: '1' }]]);
  });

  test("errors: access-denied for unlisted labels (as Spin), and SQLite's message in io", async () => {
    assert.deepEqual(await rust('/locked-out/exec', 'SELECT 1'), { status: 403, text: '{"error":{"kind":"access-denied","message":null}}' });
    assert.deepEqual(await rust('/rust/exec?db=nope', 'SELECT 1'), { status: 403, text: '{"error":{"kind":"access-denied","message":null}}' });
    assert.deepEqual(await rust('/rust/exec', 'SELEC 1'), { status: 400, text: '{"error":{"kind":"io","message":"near \\"SELEC\\": syntax error"}}' });
  });
});

describe('sqlite start-up errors', () => {
  test('a label with no backend, a libsql backend, bad entries and a failing --sqlite stop start-up with the file, line and fix', async () => {
    const app = await writeApp(MANIFEST, {
      'bad-type.toml': '[sqlite_database.audit]\ntype = "libsql"\nurl = "https://db.example"\ntoken = "t"\n',
      'no-path.toml': '\n[sqlite_database.audit]\ntype = "spin"\n',
      'ok.toml': RUNTIME_CONFIG,
    });
    const appDir = join(app, '..');
    const up = (...args: string[]) => runCli(['up', '-f', app, '--listen', '127.0.0.1:0', '--state-dir', join(appDir, 'state'), ...args]);

    const missing = await up();
    assert.equal(missing.code, 1);
    assert.match(
      missing.stderr,
      /spin\.toml: component\.admin\.sqlite_databases \(line \d+, column 1\): no database is configured for the label "audit"\. Add \[sqlite_database\.audit\]/,
    );

    const libsql = await up('--runtime-config-file', join(appDir, 'bad-type.toml'));
    assert.equal(libsql.code, 1);
    assert.match(libsql.stderr, /bad-type\.toml: sqlite_database\.audit\.type \(line 2, column 1\): spin-ts does not support remote libSQL databases yet/);

    const noPath = await up('--runtime-config-file', join(appDir, 'no-path.toml'));
    assert.equal(noPath.code, 1);
    assert.match(noPath.stderr, /no-path\.toml: sqlite_database\.audit\.path \(line 2, column 18\): missing required key "path"/);

    const seed = await up('--runtime-config-file', join(appDir, 'ok.toml'), '--sqlite', 'CREATE TABLE (');
    assert.equal(seed.code, 1);
    assert.match(seed.stderr, /--sqlite "CREATE TABLE \(" failed on the default database: .*syntax error/);
    assert.doesNotMatch(seed.stderr, /\n\s+at /, 'no stack trace');
  });
});
