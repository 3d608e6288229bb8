/**
 * PostgreSQL through a real component (js-postgres over wasi:http) served by `spin-ts up`
 * against real PostgreSQL servers (Debian's postgresql, one plain and one speaking TLS):
 * every parameter and column type of spin:postgres/postgres@4.1.0, the narrowing of @3.0.0 (js-postgres3),
 * fermyon:spin/postgres@2.0.0 and Spin 1.x's outbound-pg, each error variant, the
 * allowed_outbound_hosts check as an attacker meets it, a server that goes down and comes
 * back, a statement cut off by --request-timeout, a session left dirty, and sslmode.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { havePostgres, startPostgres, type RunningPostgres } from './support/postgres.js';
import { freePort } from './support/ports.js';
import { guest, startSpin, writeApp, type RunningSpin } from './support/spin.js';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
interface Step {
  op: 'query' | 'execute';
  sql: string;
  params?: Array<{ tag: string; val?: Json }>;
}
interface RowSet {
  columns: Array<{ name: string; dataType: Json }>;
  rows: Json[][];
}
interface Reply {
  status: number;
  results?: Array<RowSet & { rowCount?: string }>;
  error?: { tag: string; val: Json };
  step?: number;
  trap?: string;
}

let pg: RunningPostgres;
let tlsPg: RunningPostgres;
let spin: RunningSpin;
let decoy: Server;
let decoyPort: number;
let decoyConnections = 0;

async function exec(component: string, iface: string, address: string, steps: Step[], ca?: string, connections?: number): Promise<Reply> {
  const res = await fetch(`${spin.url}/${component}/exec`, { method: 'POST', body: JSON.stringify({ iface, address, steps, ca, connections }) });
  const text = await res.text();
  try {
    return { status: res.status, ...(JSON.parse(text) as object) };
  } catch {
    return { status: res.status, trap: text };
  }
}

const q = (sql: string, params: Step['params'] = []): Step => ({ op: 'query', sql, params });
const x = (sql: string, params: Step['params'] = []): Step => ({ op: 'execute', sql, params });

/** The one row of the last step. */
function row(r: Reply): Json[] {
  assert.equal(r.status, 200, JSON.stringify(r));
  return r.results!.at(-1)!.rows[0]!;
}

/** The row count of the last step. */
function r0(r: Reply): string | undefined {
  assert.equal(r.status, 200, JSON.stringify(r));
  return r.results!.at(-1)!.rowCount;
}

async function waitFor(what: string, ok: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}; the host's log ends:\n${spin.output().slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('postgres', { skip: !havePostgres() && 'postgresql not installed (apt-get install -y postgresql)' }, () => {
  before(async () => {
    [pg, tlsPg] = await Promise.all([startPostgres(), startPostgres({ tls: true })]);
    decoyPort = await freePort();
    decoy = createServer((s) => {
      decoyConnections++;
      s.destroy();
    }).listen(decoyPort, '127.0.0.1');
    const manifest = await writeApp(`spin_manifest_version = 2
[application]
name = "pg-app"
[[trigger.http]]
route = "/db/..."
component = "db"
[[trigger.http]]
route = "/db3/..."
component = "db3"
[[trigger.http]]
route = "/nohost/..."
component = "nohost"
[component.db]
source = "${guest('js-postgres')}"
allowed_outbound_hosts = ["postgres://127.0.0.1:${pg.port}", "postgres://127.0.0.1:${tlsPg.port}", "postgres://localhost:${tlsPg.port}"]
[component.db3]
source = "${guest('js-postgres3')}"
allowed_outbound_hosts = ["postgres://127.0.0.1:${pg.port}"]
[component.nohost]
source = "${guest('js-postgres')}"
allowed_outbound_hosts = ["postgres://127.0.0.1:${tlsPg.port}"]
`);
    spin = await startSpin(['-f', manifest, '--request-timeout', '3s', '--workers', '2'], { startTimeoutMs: 180_000 });
  });
  after(async () => {
    await spin?.stop();
    decoy?.close();
    await pg?.remove();
    await tlsPg?.remove();
  });

  test('@4.1.0: every parameter type goes in and comes back as the same value, with its column type', async () => {
    const params = [
      { tag: 'boolean', val: true },
      { tag: 'int16', val: -32768 },
      { tag: 'int32', val: 2147483647 },
      { tag: 'int64', val: '-9223372036854775808' },
      { tag: 'floating32', val: 1.5 },
      { tag: 'floating64', val: 0.1 },
      { tag: 'str', val: 'héllo "q" \\ \u{1F600}' },
      { tag: 'binary', val: [0, 1, 254, 255] },
      { tag: 'date', val: [2024, 2, 29] },
      { tag: 'time', val: [23, 59, 58, 123456000] },
      { tag: 'datetime', val: [1999, 12, 31, 23, 59, 59, 999999000] },
      { tag: 'datetime', val: [2024, 1, 2, 3, 4, 5, 0] },
      { tag: 'uuid', val: 'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11' },
      { tag: 'jsonb', val: '{"b": [1, 2, {"z": null, "a": "x"}], "a": true}' },
      { tag: 'decimal', val: '-12345678901234567890.000123' },
      {
        tag: 'range-int32',
        val: [
          [1, 'inclusive'],
          [10, 'exclusive'],
        ],
      },
      { tag: 'range-int64', val: [null, ['5000000000', 'exclusive']] },
      {
        tag: 'range-decimal',
        val: [
          ['1.5', 'exclusive'],
          ['2.5', 'inclusive'],
        ],
      },
      { tag: 'array-int32', val: [1, null, -3] },
      { tag: 'array-int64', val: ['9007199254740993', null] },
      { tag: 'array-decimal', val: ['1.10', null] },
      { tag: 'array-str', val: ['a,b', null, 'q"uote', '', 'NULL'] },
      { tag: 'interval', val: { months: 14, days: -3, micros: '3723000004' } },
      { tag: 'timestamp', val: '1700000000' },
      { tag: 'db-null' },
    ];
    const casts = [
      'bool',
      'int2',
      'int4',
      'int8',
      'float4',
      'float8',
      'text',
      'bytea',
      'date',
      'time',
      'timestamp',
      'timestamptz',
      'uuid',
      'jsonb',
      'numeric',
      'int4range',
      'int8range',
      'numrange',
      'int4[]',
      'int8[]',
      'numeric[]',
      'text[]',
      'interval',
      'timestamptz',
      'int4',
    ];
    const r = await exec('db', 'v4', pg.url, [q(`SELECT ${casts.map((c, i) => `$${i + 1}::${c}`).join(', ')}`, params)]);
    assert.equal(r.status, 200, JSON.stringify(r));
    const set = r.results![0]!;
    assert.deepEqual(
      set.columns.map((c) => c.dataType),
      [
        'boolean',
        'int16',
        'int32',
        'int64',
        'floating32',
        'floating64',
        'str',
        'binary',
        'date',
        'time',
        'datetime',
        'datetime',
        'uuid',
        'jsonb',
        'decimal',
        'range-int32',
        'range-int64',
        'range-decimal',
        'array-int32',
        'array-int64',
        'array-decimal',
        'array-str',
        'interval',
        'datetime',
        'int32',
      ].map((tag) => ({ tag })),
    );
    assert.deepEqual(set.rows[0], [
      { tag: 'boolean', val: true },
      { tag: 'int16', val: -32768 },
      { tag: 'int32', val: 2147483647 },
      { tag: 'int64', val: '-9223372036854775808' },
      { tag: 'floating32', val: 1.5 },
      { tag: 'floating64', val: 0.1 },
      { tag: 'str', val: 'héllo "q" \\ \u{1F600}' },
      { tag: 'binary', val: [0, 1, 254, 255] },
      { tag: 'date', val: [2024, 2, 29] },
      { tag: 'time', val: [23, 59, 58, 123456000] },
      { tag: 'datetime', val: [1999, 12, 31, 23, 59, 59, 999999000] },
      { tag: 'datetime', val: [2024, 1, 2, 3, 4, 5, 0] },
      { tag: 'uuid', val: 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11' },
      // Spin's jsonb comes back as serde_json writes it: compact, keys sorted.
      { tag: 'jsonb', val: [...Buffer.from('{"a":true,"b":[1,2,{"a":"x","z":null}]}')] },
      { tag: 'decimal', val: '-12345678901234567890.000123' },
      {
        tag: 'range-int32',
        val: [
          [1, 'inclusive'],
          [10, 'exclusive'],
        ],
      },
      { tag: 'range-int64', val: [null, ['5000000000', 'exclusive']] },
      {
        tag: 'range-decimal',
        val: [
          ['1.5', 'exclusive'],
          ['2.5', 'inclusive'],
        ],
      },
      { tag: 'array-int32', val: [1, null, -3] },
      { tag: 'array-int64', val: ['9007199254740993', null] },
      { tag: 'array-decimal', val: ['1.10', null] },
      { tag: 'array-str', val: ['a,b', null, 'q"uote', '', 'NULL'] },
      { tag: 'interval', val: { micros: '3723000004', days: -3, months: 14 } },
      { tag: 'datetime', val: [2023, 11, 14, 22, 13, 20, 0] },
      { tag: 'db-null' },
    ]);
  });

  test('@4.1.0: a table of every column type, rows counted by execute; a type Spin does not map is other(name) and unsupported(text)', async () => {
    const r = await exec('db', 'v4', pg.url, [
      x('DROP TABLE IF EXISTS kinds'),
      x(`CREATE TABLE kinds (id serial PRIMARY KEY, v varchar(10), c char(3), t timestamptz, d date, n numeric(10,2), j jsonb, ip inet, e int4range)`),
      x('INSERT INTO kinds (v, c, t, d, n, j, ip, e) VALUES ($1, $2, $3, $4, $5, $6, $7, $8), ($1, $2, $3, $4, $5, $6, $7, $8)', [
        { tag: 'str', val: 'abc' },
        { tag: 'str', val: 'x' },
        { tag: 'timestamp', val: '0' },
        { tag: 'date', val: [-43, 3, 15] },
        { tag: 'decimal', val: '3.5' },
        { tag: 'jsonb', val: [...Buffer.from('[1,"two"]')] },
        { tag: 'str', val: '10.1.2.3' },
        { tag: 'range-int32', val: [null, null] },
      ]),
      x('UPDATE kinds SET v = $1 WHERE id > $2', [
        { tag: 'str', val: 'new' },
        { tag: 'int32', val: 0 },
      ]),
      q('SELECT v, c, t, d, n, j, ip, e FROM kinds ORDER BY id LIMIT 1'),
    ]);
    assert.equal(r.status, 200, JSON.stringify(r));
    assert.deepEqual(
      r.results!.slice(2, 4).map((s) => s.rowCount),
      ['2', '2'],
    );
    const set = r.results![4]!;
    assert.deepEqual(
      set.columns.map((c) => [c.name, c.dataType]),
      [
        ['v', { tag: 'str' }],
        ['c', { tag: 'str' }],
        ['t', { tag: 'datetime' }],
        ['d', { tag: 'date' }],
        ['n', { tag: 'decimal' }],
        ['j', { tag: 'jsonb' }],
        ['ip', { tag: 'other', val: 'inet' }],
        ['e', { tag: 'range-int32' }],
      ],
    );
    assert.deepEqual(set.rows[0], [
      { tag: 'str', val: 'new' },
      { tag: 'str', val: 'x  ' },
      { tag: 'datetime', val: [1970, 1, 1, 0, 0, 0, 0] },
      { tag: 'date', val: [-43, 3, 15] },
      { tag: 'decimal', val: '3.50' },
      { tag: 'jsonb', val: [...Buffer.from('[1,"two"]')] },
      { tag: 'unsupported', val: [...Buffer.from('10.1.2.3')] },
      { tag: 'range-int32', val: [null, null] },
    ]);
  });

  test('@3.0.0 keeps dates and times and narrows the rest as Spin does: unsupported values, `other` columns, query-failed as text', async () => {
    const r = await exec('db3', 'v3', pg.url, [
      q('SELECT $1::date, $2::uuid, $3::int8, now() > $4::timestamptz', [
        { tag: 'date', val: [2020, 1, 31] },
        { tag: 'str', val: 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11' },
        { tag: 'int64', val: '42' },
        { tag: 'timestamp', val: '0' },
      ]),
    ]);
    assert.equal(r.status, 200, JSON.stringify(r));
    assert.deepEqual(
      r.results![0]!.columns.map((c) => c.dataType),
      ['date', 'other', 'int64', 'boolean'],
    );
    assert.deepEqual(r.results![0]!.rows[0], [
      { tag: 'date', val: [2020, 1, 31] },
      { tag: 'unsupported' },
      { tag: 'int64', val: '42' },
      { tag: 'boolean', val: true },
    ]);
    const bad = await exec('db3', 'v3', pg.url, [q('SELEC 1')]);
    assert.equal(bad.error?.tag, 'query-failed');
    assert.match(String(bad.error?.val), /syntax error at or near "SELEC"/);
  });

  test('fermyon:spin/postgres@2.0.0 and Spin 1.x outbound-pg: the 2.0 value set (dates unsupported); unsigned parameters fail value conversion as in Spin', async () => {
    for (const iface of ['v2', 'v1']) {
      const r = await exec('db', iface, pg.url, [
        q('SELECT $1::int4 + 1 AS n, current_date, $2::bytea', [
          { tag: 'int32', val: 41 },
          { tag: 'binary', val: [7] },
        ]),
      ]);
      assert.equal(r.status, 200, `${iface}: ${JSON.stringify(r)}`);
      assert.deepEqual(r.results![0]!.columns, [
        { name: 'n', dataType: 'int32' },
        { name: 'current_date', dataType: 'other' },
        { name: 'bytea', dataType: 'binary' },
      ]);
      assert.deepEqual(r.results![0]!.rows[0], [{ tag: 'int32', val: 42 }, { tag: 'unsupported' }, { tag: 'binary', val: [7] }]);
      const unsigned = await exec('db', iface, pg.url, [x('SELECT $1', [{ tag: 'uint32', val: 1 }])]);
      assert.deepEqual(unsigned.error, { tag: 'value-conversion-failed', val: 'Postgres does not support unsigned integers' }, iface);
    }
    const v1Bad = await exec('db', 'v1', pg.url, [x('INSERT INTO no_such_table VALUES (1)')]);
    assert.equal(v1Bad.error?.tag, 'query-failed');
    assert.match(String(v1Bad.error?.val), /relation "no_such_table" does not exist/);
  });

  test("query-failed carries PostgreSQL's error (code, severity, detail); bad-parameter and value-conversion-failed name the value", async () => {
    const dup = await exec('db', 'v4', pg.url, [
      x('DROP TABLE IF EXISTS uniq'),
      x('CREATE TABLE uniq (k int PRIMARY KEY)'),
      x('INSERT INTO uniq VALUES (1)'),
      x('INSERT INTO uniq VALUES (1)'),
    ]);
    assert.equal(dup.step, 3);
    assert.equal(dup.error?.tag, 'query-failed');
    const db = (dup.error!.val as { tag: string; val: Record<string, Json> }).val;
    assert.equal((dup.error!.val as { tag: string }).tag, 'db-error');
    assert.equal(db.code, '23505');
    assert.equal(db.severity, 'ERROR');
    assert.match(String(db.message), /duplicate key value violates unique constraint "uniq_pkey"/);
    assert.equal(db.detail, 'Key (k)=(1) already exists.');
    assert.ok(
      (db.extras as Json[][]).some(([k, v]) => k === 'constraint' && v === 'uniq_pkey'),
      JSON.stringify(db.extras),
    );

    const badUuid = await exec('db', 'v4', pg.url, [q('SELECT $1::uuid', [{ tag: 'uuid', val: 'not-a-uuid' }])]);
    assert.deepEqual(badUuid.error, { tag: 'bad-parameter', val: "invalid uuid 'not-a-uuid'" });
    const badDate = await exec('db', 'v4', pg.url, [q('SELECT $1::date', [{ tag: 'date', val: [2023, 2, 29] }])]);
    assert.deepEqual(badDate.error, { tag: 'bad-parameter', val: 'invalid date y=2023, m=2, d=29' });
    const badJson = await exec('db', 'v4', pg.url, [x('SELECT $1::jsonb', [{ tag: 'jsonb', val: '{nope' }])]);
    assert.equal(badJson.error?.tag, 'value-conversion-failed');
    assert.match(String(badJson.error?.val), /invalid JSON/);
    const badDecimal = await exec('db', 'v4', pg.url, [q('SELECT $1::numeric', [{ tag: 'decimal', val: '1e5; DROP TABLE uniq' }])]);
    assert.equal(badDecimal.error?.tag, 'bad-parameter');
  });

  test('attacker: an address outside allowed_outbound_hosts is refused before any connection (no byte reaches it), with a log line naming the entry to add', async () => {
    for (const address of [
      `postgres://127.0.0.1:${decoyPort}/postgres`,
      `host=127.0.0.1 port=${decoyPort} user=postgres`,
      `postgres://127.0.0.1:${tlsPg.port},127.0.0.1:${decoyPort}/postgres`,
    ]) {
      const r = await exec('db', 'v4', address, [q('SELECT 1')]);
      assert.deepEqual(r.error, { tag: 'connection-failed', val: `address postgres://127.0.0.1:${decoyPort} is not permitted` }, address);
    }
    const v1 = await exec('db', 'v1', `postgres://127.0.0.1:${decoyPort}`, [q('SELECT 1')]);
    assert.deepEqual(v1.error, { tag: 'connection-failed', val: `address postgres://127.0.0.1:${decoyPort} is not permitted` });
    // Another component's allowed hosts are its own: `nohost` may reach the TLS server only.
    const other = await exec('nohost', 'v4', pg.url, [q('SELECT 1')]);
    assert.deepEqual(other.error, { tag: 'connection-failed', val: `address postgres://127.0.0.1:${pg.port} is not permitted` });
    assert.equal(decoyConnections, 0);
    await waitFor('the denial in the log', () =>
      spin.output().includes(`add "postgres://127.0.0.1:${pg.port}" to allowed_outbound_hosts for the component in spin.toml ([component.nohost])`),
    );
    assert.match(spin.output(), new RegExp(`component 'db' may not connect to postgres://127\\.0\\.0\\.1:${decoyPort}`));
    // hostaddr is where the connection goes, so it is what is checked (not the allowed `host` beside it).
    const hostaddr = await exec('db', 'v4', `host=localhost hostaddr=127.0.0.2 port=${tlsPg.port} user=postgres`, [q('SELECT 1')]);
    assert.deepEqual(hostaddr.error, { tag: 'connection-failed', val: `address postgres://127.0.0.2:${tlsPg.port} is not permitted` });
    const unix = await exec('db', 'v4', 'host=/var/run/postgresql user=postgres', [q('SELECT 1')]);
    assert.deepEqual(unix.error, { tag: 'connection-failed', val: 'invalid connection string: Unix sockets are not supported on WebAssembly' });
    const garbage = await exec('db', 'v4', 'postgres://127.0.0.1:99999', [q('SELECT 1')]);
    assert.equal(garbage.error?.tag, 'connection-failed');
  });

  test('a server that is down is connection-failed at once, with the reason in the log; the next call connects when it is back', async () => {
    assert.deepEqual(row(await exec('db', 'v4', pg.url, [q('SELECT 1')])), [{ tag: 'int32', val: 1 }]);
    await pg.stop();
    try {
      const started = Date.now();
      const down = await exec('db', 'v4', pg.url, [q('SELECT 1')]);
      assert.equal(down.error?.tag, 'connection-failed', JSON.stringify(down));
      assert.match(String(down.error?.val), /ECONNREFUSED/);
      assert.ok(Date.now() - started < 2900, 'within the request timeout');
      await waitFor('the failure in the log', () =>
        /postgres: component 'db' could not connect to postgres:\/\/postgres@127\.0\.0\.1:\d+\/postgres: .*ECONNREFUSED/.test(spin.output()),
      );
    } finally {
      await pg.start();
    }
    assert.deepEqual(row(await exec('db', 'v4', pg.url, [q('SELECT 2')])), [{ tag: 'int32', val: 2 }]);
  });

  test('attacker: a statement past --request-timeout is a 504, is cancelled on the server at once, and the host keeps serving', async () => {
    const started = Date.now();
    const slow = await exec('db', 'v4', pg.url, [q("SELECT pg_sleep(60), 'slow-marker'")]);
    assert.equal(slow.status, 504);
    assert.ok(Date.now() - started < 10_000);
    const running = () => pg.psql("SELECT count(*) FROM pg_stat_activity WHERE query LIKE '%slow-marker%' AND pid <> pg_backend_pid()");
    await waitFor('the slow statement to stop on the server', () => running() === '0', 3000);
    assert.deepEqual(row(await exec('db', 'v4', pg.url, [q('SELECT 3')])), [{ tag: 'int32', val: 3 }]);
  });

  test('attacker: a result past 64 MiB is query-failed while it arrives (the statement is cancelled, nothing piles up), and the host keeps serving', async () => {
    const huge = await exec('db', 'v4', pg.url, [q("SELECT repeat('x', 1048576), 'huge-marker' FROM generate_series(1, 100)")]);
    assert.deepEqual(huge.error, { tag: 'query-failed', val: { tag: 'text', val: 'query result exceeds limit of 67108864 bytes' } });
    // execute ignores rows: the same statement only counts them.
    assert.deepEqual(r0(await exec('db', 'v4', pg.url, [x("SELECT repeat('x', 1048576) FROM generate_series(1, 100)")])), '100');
    assert.deepEqual(row(await exec('db', 'v4', pg.url, [q('SELECT 4')])), [{ tag: 'int32', val: 4 }]);
  });

  test('a request that ends inside a transaction or with session state leaves neither behind: the connection is rolled back and reset before reuse', async () => {
    const dirty = await exec('db', 'v4', pg.url, [
      x('CREATE TABLE IF NOT EXISTS tx (v int)'),
      x('BEGIN'),
      x('INSERT INTO tx VALUES (1)'),
      x("SET app.marker = 'left-behind'"),
      x('CREATE TEMP TABLE scratch (v int)'),
    ]);
    assert.equal(dirty.status, 200, JSON.stringify(dirty));
    for (let i = 0; i < 6; i++) {
      const r = await exec('db', 'v4', pg.url, [
        q("SELECT (SELECT count(*) FROM tx)::int4, current_setting('app.marker', true), to_regclass('pg_temp.scratch')::text"),
      ]);
      const [count, marker, scratch] = row(r);
      assert.deepEqual(count, { tag: 'int32', val: 0 });
      // A reset custom setting reads '' on a connection that had it, NULL on one that never did.
      assert.ok(JSON.stringify(marker) === '{"tag":"db-null"}' || JSON.stringify(marker) === '{"tag":"str","val":""}', JSON.stringify(marker));
      assert.deepEqual(scratch, { tag: 'db-null' });
    }
  });

  test('attacker: one instance holds at most 8 connections (the 9th is connection-failed), and every one goes back at the end of the request', async () => {
    const backends = "SELECT count(*)::int4 FROM pg_stat_activity WHERE backend_type = 'client backend' AND datname = 'postgres'";
    for (let round = 0; round < 3; round++) {
      assert.deepEqual(row(await exec('db', 'v4', pg.url, [q('SELECT 1')], undefined, 8)), [{ tag: 'int32', val: 1 }]);
      const tooMany = await exec('db', 'v4', pg.url, [q('SELECT 1')], undefined, 9);
      assert.deepEqual(tooMany.error, { tag: 'connection-failed', val: 'too many connections' });
    }
    // The pool keeps them for reuse (at most 10 per address), never more.
    assert.ok(Number(pg.psql(backends)) <= 11, pg.psql(backends));
  });

  test('sslmode: require and prefer verify the server certificate (set-ca-root trusts one), disable speaks plain TCP, and a server without TLS fails require', async () => {
    const ca = readFileSync(tlsPg.certPath!, 'utf8');
    const sslOf = 'SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()';
    const verified = await exec('db', 'v4', `${tlsPg.url}?sslmode=require`, [q(sslOf)], ca);
    assert.deepEqual(row(verified), [{ tag: 'boolean', val: true }]);
    const untrusted = await exec('db', 'v4', `${tlsPg.url}?sslmode=require`, [q(sslOf)]);
    assert.equal(untrusted.error?.tag, 'connection-failed');
    assert.match(String(untrusted.error?.val), /self[- ]signed/i);
    const wrongName = await exec('db', 'v4', `postgres://postgres@localhost:${tlsPg.port}/postgres?sslmode=verify-full`, [q(sslOf)], ca);
    assert.equal(wrongName.error?.tag, 'connection-failed');
    assert.match(String(wrongName.error?.val), /localhost/);
    assert.deepEqual(row(await exec('db', 'v4', `${tlsPg.url}?sslmode=disable`, [q(sslOf)])), [{ tag: 'boolean', val: false }]);
    // prefer (the default) takes TLS when the server offers it, verified: no quiet fallback to plain TCP.
    assert.deepEqual(row(await exec('db', 'v4', tlsPg.url, [q(sslOf)], ca)), [{ tag: 'boolean', val: true }]);
    const preferUntrusted = await exec('db', 'v4', tlsPg.url, [q(sslOf)]);
    assert.equal(preferUntrusted.error?.tag, 'connection-failed');
    assert.match(String(preferUntrusted.error?.val), /self[- ]signed/i);
    const noTls = await exec('db', 'v4', `${pg.url}?sslmode=require`, [q('SELECT 1')]);
    assert.deepEqual(noTls.error, { tag: 'connection-failed', val: 'The server does not support SSL connections' });
    const badCa = await exec('db', 'v4', tlsPg.url, [q('SELECT 1')], 'not a certificate');
    assert.deepEqual(badCa.error, { tag: 'other', val: 'invalid root certificate: not a PEM certificate' });
  });
});
