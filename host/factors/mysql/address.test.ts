/** MySQL addresses as Spin's mysql_async reads them, and what is refused before any connection. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AddressError, parseAddress, shownRawAddress } from './address.js';

test('a mysql:// URL: user, percent-encoded password, host, port, database; ssl-mode in any spelling and case', () => {
  assert.deepEqual(parseAddress('mysql://app:p%40ss%2Fw@db.example.com:3307/orders'), {
    host: 'db.example.com',
    port: 3307,
    user: 'app',
    password: 'p@ss/w',
    database: 'orders',
    tls: false,
  });
  assert.deepEqual(parseAddress('mysql://[::1]/x'), { host: '[::1]', port: undefined, user: undefined, password: undefined, database: 'x', tls: false });
  for (const [query, tls] of [
    ['ssl-mode=REQUIRED', true],
    ['sslMode=VERIFY_IDENTITY', true],
    ['SsLmOdE=disabled', false],
    ['require_ssl=true', true],
    ['pool_max=10&stmt_cache_size=4', false],
  ] as const) {
    assert.equal(parseAddress(`mysql://h/d?${query}`).tls, tls, query);
  }
});

test('refused with the reason: another scheme, no host, a Unix socket, an unknown parameter, a bad port', () => {
  const reason = (text: string) => {
    try {
      parseAddress(text);
    } catch (err) {
      assert.ok(err instanceof AddressError);
      return err.message;
    }
    assert.fail(`${text} parsed`);
  };
  assert.equal(reason('postgres://h/d'), 'not a mysql:// URL');
  assert.equal(reason('mysql:///d'), 'no host (write mysql://user:password@host:port/database)');
  assert.equal(reason('mysql://h/d?socket=/run/mysqld/mysqld.sock'), 'Unix sockets are not supported on WebAssembly');
  assert.equal(reason('mysql://h/d?local_infile=1'), "unknown URL parameter 'local_infile'");
  assert.equal(reason('mysql://h:99999/d'), 'not a valid URL');
  assert.equal(reason('mysql://h/a/b'), "the database name 'a/b' has a '/'");
});

test('log lines never show the password', () => {
  assert.equal(shownRawAddress('mysql://app:secret@db:3306/orders'), 'mysql://app@db:3306/orders');
  assert.equal(shownRawAddress('mysql://app:secret@'), '(an invalid MySQL address)');
});
