/** The guest side of the interfaces spin-ts does not serve: each way in is the interface's own error, logged. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { GuestContext } from '../factor.js';
import { GuestResultError } from '../guest-error.js';
import { isProvided } from '../../components/imports.js';
import { createGuestImports } from './guest.js';
import { UNAVAILABLE_INTERFACES } from './index.js';

function guestSide() {
  const logs: string[] = [];
  const ctx = { componentId: 'app', config: {}, log: (line: string) => void logs.push(line) } as unknown as GuestContext;
  return { imports: createGuestImports(ctx).imports as Record<string, Record<string, unknown>>, logs };
}

function errorOf(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof GuestResultError, `threw ${String(err)}`);
    return err.payload;
  }
  assert.fail('did not throw');
}

test('every declared interface has an implementation, and the SDK worlds’ exact versions are accepted', () => {
  const { imports } = guestSide();
  const provided = new Set<string>(UNAVAILABLE_INTERFACES);
  for (const name of UNAVAILABLE_INTERFACES) assert.ok(imports[name.replace(/@.*$/, '')], name);
  for (const name of ['wasi:sockets/tcp@0.2.6', 'spin:sqlite/sqlite@3.0.0']) {
    assert.ok(isProvided(name, provided), name);
  }
  // MySQL, PostgreSQL, MQTT and Spin 2's Redis are their own factors'.
  for (const name of ['fermyon:spin/mysql@2.0.0', 'fermyon:spin/mqtt@2.0.0', 'fermyon:spin/redis@2.0.0']) {
    assert.ok(!isProvided(name, provided), name);
  }
});

test('spin:sqlite 3 fails to open with io and a log line naming the component', () => {
  const { imports, logs } = guestSide();
  const sqlite3 = imports['spin:sqlite/sqlite']!.Connection as { open(db: string): unknown };
  const payload = errorOf(() => sqlite3.open('default')) as { tag: string; val: string };
  assert.equal(payload.tag, 'io');
  assert.match(payload.val, /^spin-ts does not provide spin:sqlite\/sqlite@3\.0\.0/);
  assert.equal(logs.length, 1);
  assert.match(logs[0]!, /^component 'app' called spin:sqlite\/sqlite@3\.0\.0 .*which spin-ts does not provide/);
});

test('wasi:sockets: the network exists, but creating a socket or resolving a name is access-denied', () => {
  const { imports } = guestSide();
  const network = (imports['wasi:sockets/instance-network']!.instanceNetwork as () => unknown)();
  assert.ok(network instanceof (imports['wasi:sockets/network']!.Network as new () => unknown));
  assert.equal(
    errorOf(() => (imports['wasi:sockets/tcp-create-socket']!.createTcpSocket as (f: string) => unknown)('ipv4')),
    'access-denied',
  );
  assert.equal(
    errorOf(() => (imports['wasi:sockets/udp-create-socket']!.createUdpSocket as (f: string) => unknown)('ipv6')),
    'access-denied',
  );
  assert.equal(
    errorOf(() => (imports['wasi:sockets/ip-name-lookup']!.resolveAddresses as (n: unknown, h: string) => unknown)(network, 'example.com')),
    'access-denied',
  );
});
