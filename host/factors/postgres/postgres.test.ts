/** The postgres factor through the factor harness, against a real PostgreSQL: Spin 1.x's outbound-pg functions as jco hands them to a guest, and the parameter text the server must accept. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { havePostgres, startPostgres, type RunningPostgres } from '../../../test/support/postgres.js';
import { factorHarness, type FactorHarness } from '../testing/harness.js';
import { postgresFactor } from './index.js';
import { paramValue } from './params.js';

const IFACE = 'fermyon:spin/postgres';

describe('postgres factor', { skip: !havePostgres() && 'postgresql not installed' }, () => {
  let pg: RunningPostgres;
  let h: FactorHarness;
  before(async () => {
    pg = await startPostgres();
    h = await factorHarness(postgresFactor, {
      manifest: `spin_manifest_version = 2
[application]
name = "p"
[[trigger.http]]
route = "/..."
component = "web"
[component.web]
source = "web.wasm"
allowed_outbound_hosts = ["postgres://127.0.0.1:${pg.port}"]
`,
      component: 'web',
    });
  });
  after(async () => {
    await h?.close();
    await pg?.remove();
  });

  test('outbound-pg: execute counts rows, query returns the 2.0 types (enum column types, s64 as bigint)', async () => {
    assert.deepEqual(await h.call(IFACE, 'execute', [pg.url, 'CREATE TABLE t (n int8, s text)', []]), { ok: true, value: 0n });
    assert.deepEqual(
      await h.call(IFACE, 'execute', [
        pg.url,
        'INSERT INTO t VALUES ($1, $2), ($1, NULL)',
        [
          { tag: 'int64', val: 7n },
          { tag: 'str', val: 'x' },
        ],
      ]),
      { ok: true, value: 2n },
    );
    assert.deepEqual(await h.call(IFACE, 'query', [pg.url, 'SELECT n, s FROM t ORDER BY s', []]), {
      ok: true,
      value: {
        columns: [
          { name: 'n', dataType: 'int64' },
          { name: 's', dataType: 'str' },
        ],
        rows: [
          [
            { tag: 'int64', val: 7n },
            { tag: 'str', val: 'x' },
          ],
          [{ tag: 'int64', val: 7n }, { tag: 'db-null' }],
        ],
      },
    });
  });

  test('outbound-pg: pg-error cases, as Spin 1.x names them; a refused address is logged with the entry to add', async () => {
    const bad = await h.call(IFACE, 'query', [pg.url, 'SELECT * FROM missing', []]);
    assert.equal(!bad.ok && (bad.error as { tag: string }).tag, 'query-failed');
    const denied = await h.call(IFACE, 'query', ['postgres://10.9.8.7/db', 'SELECT 1', []]);
    assert.deepEqual(!denied.ok && denied.error, { tag: 'connection-failed', val: 'address postgres://10.9.8.7 is not permitted' });
    assert.ok(h.logs.some((l) => l.includes('add "postgres://10.9.8.7" to allowed_outbound_hosts')));
    // Two statements in one call: the extended protocol refuses them, as tokio-postgres does.
    const two = await h.call(IFACE, 'execute', [pg.url, 'SELECT 1; SELECT 2', []]);
    assert.match(String(!two.ok && (two.error as { val: string }).val), /cannot insert multiple commands into a prepared statement/);
  });

  test('the parameter text PostgreSQL reads back as the value meant', () => {
    const cases: Array<[string, string, string]> = [
      [paramValue({ tag: 'interval', val: { months: 1, days: 2, micros: -90_000_001n } }) as string, 'interval', '1 mon 2 days -00:01:30.000001'],
      [paramValue({ tag: 'date', val: [-43, 3, 15] }) as string, 'date', '0044-03-15 BC'],
      [paramValue({ tag: 'timestamp', val: -1n }) as string, 'timestamptz', '1969-12-31 23:59:59+00'],
      [paramValue({ tag: 'array-str', val: ['a"b', undefined, 'c\\d'] }) as string, 'text[]', '{"a\\"b",NULL,"c\\\\d"}'],
    ];
    for (const [text, type, shown] of cases) {
      assert.equal(
        pg
          .psql(`SET TimeZone = 'UTC'; SELECT ${`'${text.replace(/'/g, "''")}'`}::${type}`)
          .split('\n')
          .at(-1),
        shown,
        text,
      );
    }
  });
});
