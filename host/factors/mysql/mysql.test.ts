/** The mysql factor through the factor harness, against a real MariaDB: Spin 1.x's outbound-mysql functions as jco hands them to a guest, and the refusals before any connection. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { haveMariadb, startMariadb, type RunningMariadb } from '../../../test/support/mariadb.js';
import { factorHarness, type FactorHarness } from '../testing/harness.js';
import { mysqlFactor } from './index.js';

const IFACE = 'fermyon:spin/mysql';

describe('mysql factor', { skip: !haveMariadb() && 'mariadb-server not installed' }, () => {
  let db: RunningMariadb;
  let h: FactorHarness;
  before(async () => {
    db = await startMariadb();
    h = await factorHarness(mysqlFactor, {
      manifest: `spin_manifest_version = 2
[application]
name = "m"
[[trigger.http]]
route = "/..."
component = "web"
[component.web]
source = "web.wasm"
allowed_outbound_hosts = ["mysql://127.0.0.1:${db.port}"]
`,
      component: 'web',
    });
  });
  after(async () => {
    await h?.close();
    await db?.remove();
  });

  test('outbound-mysql: execute returns nothing, query returns the column types and values Spin maps', async () => {
    assert.deepEqual(await h.call(IFACE, 'execute', [db.url, 'CREATE TABLE t (n BIGINT, u INT UNSIGNED, s VARCHAR(8))', []]), { ok: true, value: undefined });
    assert.deepEqual(
      await h.call(IFACE, 'execute', [
        db.url,
        'INSERT INTO t VALUES (?, ?, ?), (?, ?, NULL)',
        [
          { tag: 'int64', val: -7n },
          { tag: 'uint32', val: 4294967295 },
          { tag: 'str', val: 'x' },
          { tag: 'int8', val: 1 },
          { tag: 'uint8', val: 2 },
        ],
      ]),
      { ok: true, value: undefined },
    );
    assert.deepEqual(await h.call(IFACE, 'query', [db.url, 'SELECT n, u, s FROM t ORDER BY n', []]), {
      ok: true,
      value: {
        columns: [
          { name: 'n', dataType: 'int64' },
          { name: 'u', dataType: 'uint32' },
          { name: 's', dataType: 'str' },
        ],
        rows: [
          [
            { tag: 'int64', val: -7n },
            { tag: 'uint32', val: 4294967295 },
            { tag: 'str', val: 'x' },
          ],
          [{ tag: 'int64', val: 1n }, { tag: 'uint32', val: 2 }, { tag: 'db-null' }],
        ],
      },
    });
  });

  test('outbound-mysql: mysql-error cases as Spin 1.x names them; a refused address is logged with the entry to add', async () => {
    const bad = await h.call(IFACE, 'query', [db.url, 'SELECT * FROM missing', []]);
    assert.deepEqual(!bad.ok && bad.error, { tag: 'query-failed', val: "ER_NO_SUCH_TABLE (1146, SQLSTATE 42S02): Table 'spin.missing' doesn't exist" });
    const denied = await h.call(IFACE, 'query', ['mysql://root@10.9.8.7/db', 'SELECT 1', []]);
    assert.deepEqual(!denied.ok && denied.error, { tag: 'connection-failed', val: 'address mysql://10.9.8.7 is not permitted' });
    assert.ok(
      h.logs.some((l) => l.includes(`mysql: component 'web' may not connect to mysql://root@10.9.8.7/db. To allow it, add "mysql://10.9.8.7"`)),
      h.logs.join('\n'),
    );
    const socket = await h.call(IFACE, 'query', [`mysql://spin@127.0.0.1:${db.port}/spin?socket=/run/mysqld/mysqld.sock`, 'SELECT 1', []]);
    assert.deepEqual(!socket.ok && socket.error, { tag: 'connection-failed', val: 'invalid address: Unix sockets are not supported on WebAssembly' });
    // This process does not trust the server's self-signed certificate: TLS is verified, no quiet fallback.
    const untrusted = await h.call(IFACE, 'query', [`${db.url}?ssl-mode=REQUIRED`, 'SELECT 1', []]);
    assert.equal(!untrusted.ok && (untrusted.error as { tag: string }).tag, 'connection-failed');
    assert.match(String(!untrusted.ok && (untrusted.error as { val: string }).val), /self[- ]signed/i);
    const decimal = await h.call(IFACE, 'query', [db.url, 'SELECT 1.5 AS d', []]);
    assert.deepEqual(!decimal.ok && decimal.error, { tag: 'value-conversion-failed', val: "Cannot convert value '1.5' in column d data type Other" });
  });
});
