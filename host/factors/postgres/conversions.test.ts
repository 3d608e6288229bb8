/** The pure parts of the postgres factor: connection strings, parameter text, result parsing, the imported version. */
import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { AddressError, parseAddress, shownAddress } from './address.js';
import { importedMajors, spinPostgresMajor, TwoVersionsError } from './imported-version.js';
import { ParamError, paramValue } from './params.js';
import { cellValue, OID } from './results.js';

test('connection strings: URL and keyword forms, several hosts, sslmode as libpq reads it; the password never shown', () => {
  const a = parseAddress('postgresql://u%40x:p%3Aw@db.example.com:6543,10.0.0.2/app?sslmode=verify-full&application_name=web');
  assert.deepEqual(a.hosts, [
    { host: 'db.example.com', port: 6543 },
    { host: '10.0.0.2', port: undefined },
  ]);
  assert.equal(a.user, 'u@x');
  assert.equal(a.password, 'p:w');
  assert.equal(a.database, 'app');
  assert.equal(a.sslMode, 'require');
  assert.equal(shownAddress(a), 'postgres://u@x@db.example.com:6543,10.0.0.2/app');
  const k = parseAddress("host=localhost port=5433 user=me password='a b\\'c' dbname=d sslmode=disable");
  assert.deepEqual(k.hosts, [{ host: 'localhost', port: 5433 }]);
  assert.equal(k.password, "a b'c");
  assert.equal(k.sslMode, 'disable');
  assert.equal(parseAddress('postgres://h').sslMode, 'prefer');
  assert.deepEqual(parseAddress('postgres://[::1]:7/x').hosts, [{ host: '::1', port: 7 }]);
  for (const [bad, why] of [
    ['postgres:///db', /no host/],
    ['host=/tmp user=x', /Unix sockets are not supported/],
    ['postgres://h:0', /invalid port/],
    ['postgres://h?sslmode=sometimes', /sslmode 'sometimes'/],
    ['postgres://h?evil=1', /unknown option 'evil'/],
    ["host='unterminated", /no closing quote/],
  ] as const) {
    assert.throws(
      () => parseAddress(bad),
      (e: Error) => e instanceof AddressError && why.test(e.message),
      bad,
    );
  }
});

test('parameters: PostgreSQL input text for each type; impossible values refused before the server sees them', () => {
  assert.equal(paramValue({ tag: 'date', val: [-43, 3, 15] }), '0044-03-15 BC');
  assert.equal(paramValue({ tag: 'datetime', val: [2024, 2, 29, 1, 2, 3, 4000] }), '2024-02-29 01:02:03.000004000+00');
  assert.equal(paramValue({ tag: 'timestamp', val: -1n }), '1969-12-31 23:59:59.000000000+00');
  assert.equal(paramValue({ tag: 'interval', val: { months: 1, days: 2, micros: -90_000_001n } }), '1 mons 2 days -0:01:30.000001');
  assert.equal(paramValue({ tag: 'array-str', val: ['a"b', undefined, 'c\\d'] }), '{"a\\"b",NULL,"c\\\\d"}');
  assert.equal(paramValue({ tag: 'range-int64', val: [undefined, [5n, 'inclusive']] }), '(,5]');
  assert.equal(paramValue({ tag: 'uuid', val: '{A0EEBC999C0B4EF8BB6D6BB9BD380A11}' }), 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11');
  assert.equal(paramValue({ tag: 'floating64', val: -Infinity }), '-Infinity');
  assert.equal(paramValue({ tag: 'db-null' }), null);
  for (const bad of [
    { tag: 'date', val: [2023, 2, 29] },
    { tag: 'time', val: [24, 0, 0, 0] },
    { tag: 'uuid', val: 'x' },
    { tag: 'decimal', val: '1; DROP TABLE t' },
    { tag: 'array-decimal', val: ['1', 'NaN'] },
    { tag: 'jsonb', val: new Uint8Array([0xff]) },
    { tag: 'uint8', val: 1 },
  ] as const) {
    assert.throws(() => paramValue(bad as never), ParamError, JSON.stringify(bad));
  }
});

test("results: PostgreSQL's text output to values, timestamptz back to UTC, anything unreadable unsupported", () => {
  assert.deepEqual(cellValue(OID.timestamptz, '2024-01-01 02:30:00.5+05:30'), { tag: 'datetime', val: [2023, 12, 31, 21, 0, 0, 500_000_000] });
  assert.deepEqual(cellValue(OID.timestamp, '0044-03-15 12:00:00 BC'), { tag: 'datetime', val: [-43, 3, 15, 12, 0, 0, 0] });
  assert.deepEqual(cellValue(OID.interval, '1 year 2 mons -3 days +04:05:06.789'), { tag: 'interval', val: { months: 14, days: -3, micros: 14_706_789_000n } });
  assert.deepEqual(cellValue(OID.interval, '-00:00:01'), { tag: 'interval', val: { months: 0, days: 0, micros: -1_000_000n } });
  assert.deepEqual(cellValue(OID.textArray, '{"a,b",NULL,"q\\"x",plain}'), { tag: 'array-str', val: ['a,b', undefined, 'q"x', 'plain'] });
  assert.deepEqual(cellValue(OID.numrange, '[1.5,2)'), {
    tag: 'range-decimal',
    val: [
      ['1.5', 'inclusive'],
      ['2', 'exclusive'],
    ],
  });
  assert.deepEqual(cellValue(OID.bytea, '\\x00ff'), { tag: 'binary', val: new Uint8Array([0, 255]) });
  assert.deepEqual(cellValue(OID.bytea, 'a\\\\\\001'), { tag: 'binary', val: new Uint8Array([0x61, 0x5c, 1]) });
  assert.deepEqual(cellValue(OID.int8, '-9223372036854775808'), { tag: 'int64', val: -9223372036854775808n });
  assert.deepEqual(cellValue(OID.float8, 'NaN'), { tag: 'floating64', val: NaN });
  assert.deepEqual(cellValue(OID.int4, null), { tag: 'db-null' });
  for (const [oid, text] of [
    [OID.date, 'infinity'],
    [OID.numeric, 'NaN'],
    [OID.int4Array, '{{1,2},{3,4}}'],
    [869, '10.0.0.1'],
  ] as const) {
    assert.deepEqual(cellValue(oid, text), { tag: 'unsupported', val: new TextEncoder().encode(text) }, text);
  }
});

test('the spin:postgres version a component imports is read from its binary; two versions are refused', async () => {
  const enc = (s: string) => new TextEncoder().encode(s);
  assert.deepEqual(importedMajors(enc('\0asm...spin:postgres/postgres@3.0.0...')), new Set([3]));
  const dir = await mkdtemp(join(tmpdir(), 'spin-ts-pgv-'));
  const write = async (name: string, body: string) => {
    await writeFile(join(dir, name), body);
    return join(dir, name);
  };
  assert.equal(await spinPostgresMajor(await write('v3.wasm', 'x spin:postgres/postgres@3.0.0 y')), 3);
  assert.equal(await spinPostgresMajor(await write('v4.wasm', 'x spin:postgres/postgres@4.1.0 y')), 4);
  assert.equal(await spinPostgresMajor(await write('none.wasm', 'fermyon:spin/postgres@2.0.0')), 4);
  await assert.rejects(spinPostgresMajor(await write('both.wasm', 'spin:postgres/postgres@3.0.0 spin:postgres/postgres@4.0.0')), TwoVersionsError);
});
