/**
 * The sqlite factor through the factor harness (its real guest side in a worker): access
 * control as Spin has it, the runtime config with its line-numbered errors, the start-up
 * checks and --sqlite seeding. Statements through real guests over HTTP are test/sqlite.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { factorHarness } from '../testing/harness.js';
import { openDatabase, execute } from './database.js';
import { sqliteFactor, type SqliteFactorOptions } from './index.js';

const V1 = 'fermyon:spin/sqlite';

const MANIFEST = `spin_manifest_version = 2
[application]
name = "db"
[[trigger.http]]
route = "/..."
component = "web"
[[trigger.http]]
route = "/admin/..."
component = "admin"
[component.web]
source = "web.wasm"
sqlite_databases = ["default"]
[component.admin]
source = "admin.wasm"
sqlite_databases = ["default", "audit"]
`;

const RC = `[sqlite_database.audit]
type = "spin"
path = "audit.db"
`;

async function withHarness(
  opts: { component?: string; runtimeConfig?: string; manifest?: string; factor?: SqliteFactorOptions; stateDir?: string },
  fn: (h: Awaited<ReturnType<typeof factorHarness>>) => Promise<void>,
) {
  const h = await factorHarness(sqliteFactor(opts.factor), {
    manifest: opts.manifest ?? MANIFEST,
    component: opts.component ?? 'web',
    runtimeConfig: opts.runtimeConfig ?? RC,
    ...(opts.stateDir ? { stateDir: opts.stateDir } : {}),
  });
  try {
    await fn(h);
  } finally {
    await h.close();
  }
}

test('sqlite factor (unversioned fermyon:spin/sqlite): a declared label opens; any other label is access-denied, as in Spin', async () => {
  await withHarness({}, async (h) => {
    assert.deepEqual(await h.call(V1, 'open', ['default']), { ok: true, value: 1 });
    const denied = await h.call(V1, 'open', ['audit']);
    assert.deepEqual(!denied.ok && denied.error, { tag: 'access-denied' });
    const missing = await h.call(V1, 'open', ['nope']);
    assert.deepEqual(!missing.ok && missing.error, { tag: 'access-denied' });
  });
  await withHarness({ component: 'admin' }, async (h) => {
    assert.deepEqual(await h.call(V1, 'open', ['audit']), { ok: true, value: 1 });
  });
});

test('sqlite factor: one import object serves both interfaces (jco looks them up without a version)', async () => {
  await withHarness({}, async (h) => {
    const r = await h.call(V1, 'open', ['default']);
    assert.ok(r.ok);
    const keys = await h.call(V1, 'close', [1]);
    assert.deepEqual(keys, { ok: true, value: undefined });
  });
});

test('sqlite factor (unversioned): a handle from another request, or never opened, is invalid-connection', async () => {
  await withHarness({}, async (h) => {
    await h.call(V1, 'open', ['default']);
    const stale = await h.call(V1, 'execute', [1, 'SELECT 1', []]);
    assert.deepEqual(!stale.ok && stale.error, { tag: 'invalid-connection' });
    const never = await h.call(V1, 'execute', [99, 'SELECT 1', []]);
    assert.deepEqual(!never.ok && never.error, { tag: 'invalid-connection' });
  });
});

test('sqlite factor: default is <state_dir>/sqlite_db.db and a named label is the runtime config path', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'spin-ts-sqlite-'));
  const stateDir = join(dir, 'state');
  await withHarness({ stateDir, factor: { seed: ['CREATE TABLE seeded (x)'] } }, async (h) => {
    const cfg = h.configured.componentConfig('admin') as { databases: Record<string, string> };
    assert.equal(cfg.databases.default, join(stateDir, 'sqlite_db.db'));
    assert.match(cfg.databases.audit!, /audit\.db$/);
    // A component's guest side learns only its own labels' files.
    assert.deepEqual(Object.keys((h.configured.componentConfig('web') as { databases: Record<string, string> }).databases), ['default']);
  });
  const db = openDatabase(join(stateDir, 'sqlite_db.db'));
  assert.deepEqual(execute(db, "SELECT name FROM sqlite_master WHERE type = 'table'", [], { maxRows: 10, maxBytes: 1e6 }).rows, [
    { values: [{ tag: 'text', val: 'seeded' }] },
  ]);
  db.close();
});

test('sqlite factor: --sqlite runs statements and @files in order on default; a failing one is a start-up error naming it', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'spin-ts-sqlite-'));
  const sql = join(dir, 'seed.sql');
  await writeFile(sql, "INSERT INTO kv VALUES ('a', 1);\nINSERT INTO kv VALUES ('b', 2);\n");
  const stateDir = join(dir, 'state');
  await withHarness({ stateDir, factor: { seed: ['CREATE TABLE kv (k TEXT PRIMARY KEY, v)', `@${sql}`] } }, async () => {});
  const db = openDatabase(join(stateDir, 'sqlite_db.db'));
  assert.equal(execute(db, 'SELECT count(*) FROM kv', [], { maxRows: 10, maxBytes: 1e6 }).rows[0]!.values[0]!.tag, 'integer');
  assert.deepEqual(execute(db, 'SELECT count(*) FROM kv', [], { maxRows: 10, maxBytes: 1e6 }).rows[0]!.values, [{ tag: 'integer', val: 2n }]);
  db.close();
  await assert.rejects(
    withHarness({ stateDir, factor: { seed: [`@${sql}`] } }, async () => {}),
    /--sqlite "@.*seed\.sql" failed on the default database: UNIQUE constraint failed: kv\.k/,
  );
  await assert.rejects(
    withHarness({ stateDir, factor: { seed: ['CREATE TABLE oops ('] } }, async () => {}),
    /--sqlite "CREATE TABLE oops \(" failed on the default database: incomplete input\. Fix the statement/,
  );
  await assert.rejects(
    withHarness({ stateDir, factor: { seed: ['@/nonexistent/seed.sql'] } }, async () => {}),
    /--sqlite @\/nonexistent\/seed\.sql: cannot read \/nonexistent\/seed\.sql \(ENOENT\)/,
  );
});

test('sqlite factor: a label with no backend is a start-up error naming the component, the line and the fix', async () => {
  await assert.rejects(
    withHarness({ runtimeConfig: '' }, async () => {}),
    /spin\.toml: component\.admin\.sqlite_databases \(line 15, column 1\): no database is configured for the label "audit"\. Add \[sqlite_database\.audit\] with type = "spin"/,
  );
});

test('sqlite factor: bad [sqlite_database] entries are runtime-config errors with line numbers', async () => {
  const cases: Array<[string, RegExp]> = [
    [
      '[sqlite_database.audit]\ntype = "libsql"\nurl = "https://x"\ntoken = "t"\n',
      /sqlite_database\.audit\.type \(line 2, column 1\): spin-ts does not support remote libSQL databases yet/,
    ],
    ['[sqlite_database.audit]\ntype = "postgres"\n', /sqlite_database\.audit\.type \(line 2, column 1\): unknown sqlite_database type "postgres"/],
    ['[sqlite_database.audit]\ntype = "spin"\n', /sqlite_database\.audit\.path \(line 1, column 18\): missing required key "path"\. Add path = "<file>\.db"/],
    [
      '[sqlite_database.audit]\ntype = "spin"\npath = "a.db"\npaht = "b"\n',
      /sqlite_database\.audit\.paht \(line 4, column 1\): unknown key "paht"\. Remove it\. Allowed keys here: type, path/,
    ],
    ['[sqlite_database.audit]\npath = "a.db"\n', /sqlite_database\.audit\.type \(line 1, column 18\): missing required key "type"/],
    ['[sqlite_database.audit]\ntype = "spin"\npath = 3\n', /sqlite_database\.audit\.path \(line 3, column 1\): must be a string, not an integer/],
    ['[sqlite_database]\naudit = "a.db"\n', /sqlite_database\.audit \(line 2, column 1\): must be a table, not a string/],
  ];
  for (const [rc, expected] of cases)
    await assert.rejects(
      withHarness({ runtimeConfig: rc }, async () => {}),
      expected,
      rc,
    );
});

test('sqlite factor: sqlite_databases must be a list of strings (a manifest error with its line)', async () => {
  await assert.rejects(
    withHarness({ manifest: MANIFEST.replace('sqlite_databases = ["default"]', 'sqlite_databases = "default"') }, async () => {}),
    /component\.web\.sqlite_databases \(line 12, column 1\): must be a list of strings/,
  );
});
