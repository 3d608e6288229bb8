/**
 * MySQL through a real component (js-mysql over wasi:http) served by `spin-ts up` against a
 * real MariaDB (Debian's mariadb-server): every parameter and column type Spin maps through
 * fermyon:spin/mysql@2.0.0 and Spin 1.x's outbound-mysql, each error variant, the
 * allowed_outbound_hosts check as an attacker meets it, a server that goes down and comes
 * back, a statement cut off by --request-timeout, the per-instance connection bound, a
 * session left dirty, LOAD DATA LOCAL INFILE of a host file, a result too big to hold, and
 * ssl-mode.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { haveMariadb, startMariadb, type RunningMariadb } from './support/mariadb.js';
import { startRogueMysql, type RogueMysql } from './support/rogue-mysql.js';
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
  results?: RowSet[];
  error?: { tag: string; val: Json };
  step?: number;
  trap?: string;
}

let db: RunningMariadb;
let spin: RunningSpin;
let decoy: Server;
let decoyPort: number;
let decoyConnections = 0;
let rogue: RogueMysql;
let secretDir: string;
let secretFile: string;

async function exec(component: string, iface: 'v1' | 'v2', address: string, steps: Step[], connections?: number): Promise<Reply> {
  const res = await fetch(`${spin.url}/${component}/exec`, { method: 'POST', body: JSON.stringify({ iface, address, steps, connections }) });
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

async function waitFor(what: string, ok: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}; the host's log ends:\n${spin.output().slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('mysql', { skip: !haveMariadb() && 'mariadb-server not installed (apt-get install -y mariadb-server)' }, () => {
  before(async () => {
    db = await startMariadb();
    secretDir = mkdtempSync(join(tmpdir(), 'spin-ts-mysql-secret-'));
    secretFile = join(secretDir, 'secret.txt');
    writeFileSync(secretFile, 'host-secret-line\n');
    rogue = await startRogueMysql(secretFile);
    decoyPort = await freePort();
    decoy = createServer((s) => {
      decoyConnections++;
      s.destroy();
    }).listen(decoyPort, '127.0.0.1');
    const manifest = await writeApp(`spin_manifest_version = 2
[application]
name = "mysql-app"
[[trigger.http]]
route = "/db/..."
component = "db"
[[trigger.http]]
route = "/nohost/..."
component = "nohost"
[component.db]
source = "${guest('js-mysql')}"
allowed_outbound_hosts = ["mysql://127.0.0.1:${db.port}", "mysql://127.0.0.2:${db.port}", "mysql://127.0.0.1:${rogue.port}"]
[component.nohost]
source = "${guest('js-mysql')}"
allowed_outbound_hosts = ["mysql://127.0.0.1:${decoyPort + 1}"]
`);
    // The server's certificate is trusted as a user trusts one (host/factors/mysql/mysql.test.ts meets it untrusted).
    spin = await startSpin(['-f', manifest, '--request-timeout', '3s', '--workers', '2'], {
      startTimeoutMs: 180_000,
      env: { NODE_EXTRA_CA_CERTS: db.certPath },
    });
  });
  after(async () => {
    await spin?.stop();
    decoy?.close();
    await rogue?.close();
    await db?.remove();
    if (secretDir) rmSync(secretDir, { recursive: true, force: true });
  });

  test('every parameter type goes into its column and comes back as the same value, with the column type Spin maps', async () => {
    const columns: Array<[string, string, { tag: string; val?: Json }, string]> = [
      ['i8', 'TINYINT', { tag: 'int8', val: -128 }, 'int8'],
      ['u8', 'TINYINT UNSIGNED', { tag: 'uint8', val: 255 }, 'uint8'],
      ['i16', 'SMALLINT', { tag: 'int16', val: -32768 }, 'int16'],
      ['u16', 'SMALLINT UNSIGNED', { tag: 'uint16', val: 65535 }, 'uint16'],
      ['i24', 'MEDIUMINT', { tag: 'int32', val: -8388608 }, 'int32'],
      ['u24', 'MEDIUMINT UNSIGNED', { tag: 'uint32', val: 16777215 }, 'uint32'],
      ['i32', 'INT', { tag: 'int32', val: -2147483648 }, 'int32'],
      ['u32', 'INT UNSIGNED', { tag: 'uint32', val: 4294967295 }, 'uint32'],
      ['i64', 'BIGINT', { tag: 'int64', val: '-9223372036854775808' }, 'int64'],
      ['u64', 'BIGINT UNSIGNED', { tag: 'uint64', val: '18446744073709551615' }, 'uint64'],
      ['f32', 'FLOAT', { tag: 'floating32', val: 1.5 }, 'floating32'],
      ['f64', 'DOUBLE', { tag: 'floating64', val: 0.1 }, 'floating64'],
      ['b', 'BOOLEAN', { tag: 'boolean', val: true }, 'int8'],
      ['vc', 'VARCHAR(40)', { tag: 'str', val: 'héllo "q" \\ \u{1F600}' }, 'str'],
      ['ch', 'CHAR(3)', { tag: 'str', val: 'ab' }, 'str'],
      ['tx', 'TEXT', { tag: 'str', val: 'long text' }, 'str'],
      ['bl', 'BLOB', { tag: 'binary', val: [0, 1, 254, 255] }, 'binary'],
      ['vb', 'VARBINARY(8)', { tag: 'binary', val: [255, 0] }, 'binary'],
      ['bn', 'BINARY(2)', { tag: 'binary', val: [7, 8] }, 'binary'],
      ['nul', 'INT', { tag: 'db-null' }, 'int32'],
    ];
    const r = await exec('db', 'v2', db.url, [
      x('DROP TABLE IF EXISTS kinds'),
      x(`CREATE TABLE kinds (${columns.map(([n, t]) => `${n} ${t}`).join(', ')}) CHARACTER SET utf8mb4`),
      x(
        `INSERT INTO kinds VALUES (${columns.map(() => '?').join(', ')})`,
        columns.map(([, , p]) => p),
      ),
      q(`SELECT ${columns.map(([n]) => n).join(', ')} FROM kinds`),
    ]);
    assert.equal(r.status, 200, JSON.stringify(r));
    assert.deepEqual(r.results!.slice(0, 3), [{ rowCount: null }, { rowCount: null }, { rowCount: null }]);
    const set = r.results![3]!;
    assert.deepEqual(
      set.columns,
      columns.map(([name, , , dataType]) => ({ name, dataType })),
    );
    assert.deepEqual(set.rows, [
      columns.map(([, , p, dataType]) =>
        p.tag === 'db-null' ? p : p.tag === 'boolean' ? { tag: 'int8', val: 1 } : p.tag === 'str' && dataType === 'str' ? p : { tag: dataType, val: p.val! },
      ),
    ]);
  });

  test("a value in a column Spin does not map (DECIMAL, DATETIME, JSON as MariaDB's binary text) is value-conversion-failed, as in Spin; NULL there is db-null, and CAST to CHAR reads it", async () => {
    const r = await exec('db', 'v2', db.url, [
      x('DROP TABLE IF EXISTS other'),
      x('CREATE TABLE other (d DECIMAL(6,2), t DATETIME)'),
      x("INSERT INTO other VALUES (12.5, '2024-02-29 23:59:58'), (NULL, NULL)"),
      q('SELECT d, t FROM other WHERE d IS NULL'),
      q('SELECT CAST(d AS CHAR) AS d, CAST(t AS CHAR) AS t FROM other WHERE d IS NOT NULL'),
    ]);
    assert.equal(r.status, 200, JSON.stringify(r));
    assert.deepEqual(r.results![3], {
      columns: [
        { name: 'd', dataType: 'other' },
        { name: 't', dataType: 'other' },
      ],
      rows: [[{ tag: 'db-null' }, { tag: 'db-null' }]],
    });
    assert.deepEqual(r.results![4]!.rows, [
      [
        { tag: 'str', val: '12.50' },
        { tag: 'str', val: '2024-02-29 23:59:58' },
      ],
    ]);
    for (const [sql, shown] of [
      ['SELECT d FROM other WHERE d IS NOT NULL', "Cannot convert value '12.50' in column d data type Other"],
      ['SELECT t FROM other WHERE t IS NOT NULL', "Cannot convert value '2024-02-29 23:59:58' in column t data type Other"],
    ] as const) {
      const bad = await exec('db', 'v2', db.url, [q(sql)]);
      assert.deepEqual(bad.error, { tag: 'value-conversion-failed', val: shown });
    }
  });

  test('query-failed carries the server error (name, number, SQLSTATE, message); parameters that do not fit the placeholders are bad-parameter', async () => {
    const dup = await exec('db', 'v2', db.url, [
      x('DROP TABLE IF EXISTS uniq'),
      x('CREATE TABLE uniq (k INT PRIMARY KEY)'),
      x('INSERT INTO uniq VALUES (1)'),
      x('INSERT INTO uniq VALUES (?)', [{ tag: 'int32', val: 1 }]),
    ]);
    assert.equal(dup.step, 3);
    assert.deepEqual(dup.error, { tag: 'query-failed', val: "ER_DUP_ENTRY (1062, SQLSTATE 23000): Duplicate entry '1' for key 'PRIMARY'" });
    const syntax = await exec('db', 'v2', db.url, [q('SELEC 1')]);
    assert.equal(syntax.error?.tag, 'query-failed');
    assert.match(String(syntax.error?.val), /^ER_PARSE_ERROR \(1064, SQLSTATE 42000\): You have an error in your SQL syntax/);
    // One statement per call, as a prepared statement is.
    const two = await exec('db', 'v2', db.url, [x('SELECT 1; SELECT 2')]);
    assert.match(String(two.error?.val), /^ER_PARSE_ERROR/);
    const tooFew = await exec('db', 'v2', db.url, [q('SELECT ?, ?', [{ tag: 'int32', val: 1 }])]);
    assert.deepEqual(tooFew.error, { tag: 'bad-parameter', val: 'the statement has more placeholders than parameters were given' });
    const tooMany = await exec('db', 'v2', db.url, [
      q('SELECT ?', [
        { tag: 'int32', val: 1 },
        { tag: 'int32', val: 2 },
      ]),
    ]);
    assert.deepEqual(tooMany.error, { tag: 'bad-parameter', val: 'Too many bind parameters: expected at most 1, received 2' });
  });

  test('Spin 1.x outbound-mysql: the same types and cases, one connection per call; a result too big is `other-error` there and `other` in 2.0', async () => {
    const made = await exec('db', 'v1', db.url, [
      x('DROP TABLE IF EXISTS v1'),
      x('CREATE TABLE v1 (n BIGINT UNSIGNED, s VARCHAR(8))'),
      x('INSERT INTO v1 VALUES (?, ?)', [
        { tag: 'uint64', val: '9007199254740993' },
        { tag: 'str', val: 'one' },
      ]),
      q('SELECT n, s FROM v1'),
    ]);
    assert.deepEqual(made.results?.[3], {
      columns: [
        { name: 'n', dataType: 'uint64' },
        { name: 's', dataType: 'str' },
      ],
      rows: [
        [
          { tag: 'uint64', val: '9007199254740993' },
          { tag: 'str', val: 'one' },
        ],
      ],
    });
    const missing = await exec('db', 'v1', db.url, [q('SELECT * FROM no_such_table')]);
    assert.deepEqual(missing.error, { tag: 'query-failed', val: "ER_NO_SUCH_TABLE (1146, SQLSTATE 42S02): Table 'spin.no_such_table' doesn't exist" });
    const huge = "SELECT REPEAT('x', 1048576), 'huge-marker' FROM seq_1_to_100";
    assert.deepEqual((await exec('db', 'v1', db.url, [q(huge)])).error, { tag: 'other-error', val: 'query result exceeds limit of 67108864 bytes' });
    assert.deepEqual((await exec('db', 'v2', db.url, [q(huge)])).error, { tag: 'other', val: 'query result exceeds limit of 67108864 bytes' });
    // execute ignores rows: the same statement only runs.
    assert.equal((await exec('db', 'v2', db.url, [x(huge)])).status, 200);
    assert.deepEqual(row(await exec('db', 'v2', db.url, [q('SELECT 4')])), [{ tag: 'int32', val: 4 }]);
  });

  test('attacker: an address outside allowed_outbound_hosts is refused before any connection (no byte reaches it), with a log line naming the entry to add', async () => {
    for (const iface of ['v2', 'v1'] as const) {
      const r = await exec('db', iface, `mysql://spin:spin@127.0.0.1:${decoyPort}/spin`, [q('SELECT 1')]);
      assert.deepEqual(r.error, { tag: 'connection-failed', val: `address mysql://127.0.0.1:${decoyPort} is not permitted` }, iface);
    }
    // The default port is 3306, which is not the allowed one.
    const defaultPort = await exec('db', 'v2', 'mysql://spin@127.0.0.1/spin', [q('SELECT 1')]);
    assert.deepEqual(defaultPort.error, { tag: 'connection-failed', val: 'address mysql://127.0.0.1 is not permitted' });
    // Another component's allowed hosts are its own.
    const other = await exec('nohost', 'v2', db.url, [q('SELECT 1')]);
    assert.deepEqual(other.error, { tag: 'connection-failed', val: `address mysql://127.0.0.1:${db.port} is not permitted` });
    assert.equal(decoyConnections, 0);
    await waitFor('the denial in the log', () =>
      spin.output().includes(`add "mysql://127.0.0.1:${db.port}" to allowed_outbound_hosts for the component in spin.toml ([component.nohost])`),
    );
    assert.match(spin.output(), new RegExp(`mysql: component 'db' may not connect to mysql://spin@127\\.0\\.0\\.1:${decoyPort}/spin\\.`));
    assert.doesNotMatch(spin.output(), /spin:spin@/, 'no password in the log');
    // A Unix socket on the host would bypass the host check: refused.
    const socket = await exec('db', 'v2', `${db.url}?socket=/run/mysqld/mysqld.sock`, [q('SELECT 1')]);
    assert.deepEqual(socket.error, { tag: 'connection-failed', val: 'invalid address: Unix sockets are not supported on WebAssembly' });
    const garbage = await exec('db', 'v2', 'postgres://127.0.0.1/x', [q('SELECT 1')]);
    assert.deepEqual(garbage.error, { tag: 'connection-failed', val: 'invalid address: not a mysql:// URL' });
  });

  test('attacker: LOAD DATA LOCAL INFILE cannot make the host read a file (the client never offers it), and nothing is loaded', async () => {
    const r = await exec('db', 'v2', db.url, [
      x('DROP TABLE IF EXISTS loaded'),
      x('CREATE TABLE loaded (line TEXT)'),
      x(`LOAD DATA LOCAL INFILE '${secretFile}' INTO TABLE loaded`),
    ]);
    assert.equal(r.step, 2, JSON.stringify(r));
    assert.deepEqual(r.error, {
      tag: 'query-failed',
      val: 'ERROR (4166, SQLSTATE HY000): The used command is not allowed because the MariaDB server or client has disabled the local infile capability',
    });
    assert.equal(db.sql('SELECT COUNT(*) FROM spin.loaded'), '0');
  });

  test('attacker: a server the guest may reach that asks for a host file (whatever the statement) gets no byte of it', async () => {
    for (const iface of ['v2', 'v1'] as const) {
      const r = await exec('db', iface, `mysql://any:thing@127.0.0.1:${rogue.port}/x`, [q('SELECT 1')]);
      assert.deepEqual(
        r.error,
        { tag: 'query-failed', val: 'the server asked for a file of the host (LOAD DATA LOCAL INFILE), which spin-ts never sends' },
        iface,
      );
    }
    assert.equal(rogue.requests(), 2, 'the server asked for the file');
    assert.equal(rogue.offeredLocalFiles(), false, 'the login did not offer LOAD DATA LOCAL');
    assert.equal(rogue.fileBytes().length, 0, `the client sent: ${rogue.fileBytes().toString()}`);
  });

  test('a server that is down is connection-failed at once, with the reason in the log; the next call connects when it is back', async () => {
    assert.deepEqual(row(await exec('db', 'v2', db.url, [q('SELECT 1')])), [{ tag: 'int32', val: 1 }]);
    await db.stop();
    try {
      for (const iface of ['v2', 'v1'] as const) {
        const down = await exec('db', iface, db.url, [q('SELECT 1')]);
        assert.equal(down.error?.tag, 'connection-failed', JSON.stringify(down));
        assert.match(String(down.error?.val), /ECONNREFUSED/);
      }
      await waitFor('the failure in the log', () =>
        /mysql: component 'db' could not connect to mysql:\/\/spin@127\.0\.0\.1:\d+\/spin: .*ECONNREFUSED/.test(spin.output()),
      );
    } finally {
      await db.start();
    }
    assert.deepEqual(row(await exec('db', 'v2', db.url, [q('SELECT 2')])), [{ tag: 'int32', val: 2 }]);
  });

  test('attacker: a statement past --request-timeout is a 504, is killed on the server at once, and the host keeps serving', async () => {
    const started = Date.now();
    // BENCHMARK checks only for KILL (SLEEP also ends when the client's socket closes): the host must kill it.
    const slow = await exec('db', 'v2', db.url, [q("SELECT BENCHMARK(1000000000000, MD5('slow-marker'))")]);
    assert.equal(slow.status, 504);
    assert.ok(Date.now() - started < 10_000);
    const running = () => db.sql("SELECT COUNT(*) FROM information_schema.processlist WHERE info LIKE '%slow-marker%' AND id <> CONNECTION_ID()");
    await waitFor('the slow statement to stop on the server', () => running() === '0', 3000);
    assert.deepEqual(row(await exec('db', 'v2', db.url, [q('SELECT 3')])), [{ tag: 'int32', val: 3 }]);
  });

  test('a request that ends inside a transaction or with session state leaves none of it behind: the connection is reset before reuse', async () => {
    const dirty = await exec('db', 'v2', db.url, [
      x('CREATE TABLE IF NOT EXISTS tx (v INT) ENGINE=InnoDB'),
      x('BEGIN'),
      x('INSERT INTO tx VALUES (1)'),
      x("SET @marker = 'left-behind'"),
      x('CREATE TEMPORARY TABLE scratch (v INT)'),
      q("SELECT GET_LOCK('held-lock', 0)"),
    ]);
    assert.equal(dirty.status, 200, JSON.stringify(dirty));
    for (let i = 0; i < 6; i++) {
      const r = await exec('db', 'v2', db.url, [
        q(
          "SELECT (SELECT COUNT(*) FROM tx), @marker, (SELECT COUNT(*) FROM information_schema.tables WHERE table_name = 'scratch'), IS_USED_LOCK('held-lock')",
        ),
      ]);
      assert.deepEqual(row(r), [{ tag: 'int64', val: '0' }, { tag: 'db-null' }, { tag: 'int64', val: '0' }, { tag: 'db-null' }]);
    }
  });

  test('attacker: one instance holds at most 8 connections (the 9th is connection-failed), and every one goes back at the end of the request', async () => {
    const connections = () => Number(db.sql("SELECT COUNT(*) FROM information_schema.processlist WHERE user = 'spin'"));
    for (let round = 0; round < 3; round++) {
      assert.deepEqual(row(await exec('db', 'v2', db.url, [q('SELECT 1')], 8)), [{ tag: 'int32', val: 1 }]);
      const tooMany = await exec('db', 'v2', db.url, [q('SELECT 1')], 9);
      assert.deepEqual(tooMany.error, { tag: 'connection-failed', val: 'too many connections' });
    }
    // The pool keeps them for reuse (at most 10 per address), never more.
    assert.ok(connections() <= 10, String(connections()));
    // A pooled connection serves many requests: nothing of a request stays attached to it.
    for (let i = 0; i < 15; i++) assert.deepEqual(row(await exec('db', 'v2', db.url, [q('SELECT 5')])), [{ tag: 'int32', val: 5 }]);
    assert.doesNotMatch(spin.output(), /MaxListenersExceededWarning/);
  });

  test('ssl-mode: REQUIRED speaks TLS with the certificate verified (a name it does not cover is connection-failed); DISABLED or none is plain TCP', async () => {
    const cipher = "SELECT VARIABLE_VALUE FROM information_schema.SESSION_STATUS WHERE VARIABLE_NAME = 'SSL_CIPHER'";
    const tls = row(await exec('db', 'v2', `${db.url}?ssl-mode=REQUIRED`, [q(cipher)]));
    assert.equal((tls[0] as { tag: string }).tag, 'str');
    assert.notEqual((tls[0] as { val: string }).val, '', 'a cipher is in use');
    assert.deepEqual(row(await exec('db', 'v1', `${db.url}?sslMode=disabled`, [q(cipher)])), [{ tag: 'str', val: '' }]);
    assert.deepEqual(row(await exec('db', 'v2', db.url, [q(cipher)])), [{ tag: 'str', val: '' }]);
    const wrongName = await exec('db', 'v2', `mysql://spin:spin@127.0.0.2:${db.port}/spin?ssl-mode=VERIFY_IDENTITY`, [q(cipher)]);
    assert.equal(wrongName.error?.tag, 'connection-failed', JSON.stringify(wrongName));
    assert.match(String(wrongName.error?.val), /127\.0\.0\.2/);
    // The same address without TLS reaches the server: only the name check refused it.
    assert.deepEqual(row(await exec('db', 'v2', `mysql://spin:spin@127.0.0.2:${db.port}/spin`, [q(cipher)])), [{ tag: 'str', val: '' }]);
  });
});
