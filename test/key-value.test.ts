/**
 * Key-value through a real component (guest-examples/js-kv) over real HTTP: every operation
 * and error of fermyon:spin/key-value@2.0.0, the unversioned Spin 1.x fermyon:spin/key-value
 * and wasi:keyvalue@0.2.0-draft2 (store, atomics, batch) on SQLite; access control;
 * persistence across restarts; 8 workers writing at once; --key-value seeding; start-up errors.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { inParallel, kv } from './support/kv-client.js';
import { guest, runCli, startSpin, tempDir, writeApp, type RunningSpin } from './support/spin.js';

const APP = (source: string) => `spin_manifest_version = 2
[application]
name = "kv-app"
[[trigger.http]]
route = "/kv"
component = "main"
[[trigger.http]]
route = "/other/kv"
component = "other"
[component.main]
source = "${source}"
key_value_stores = ["default", "named"]
[component.other]
source = "${source}"
key_value_stores = ["secret"]
`;

let manifest: string;
let dir: string;
let stateDir: string;
let runtimeConfig: string;

async function start(extra: string[] = []): Promise<RunningSpin> {
  return startSpin(['-f', manifest, '--state-dir', stateDir, '--runtime-config-file', runtimeConfig, '-q', ...extra]);
}

before(async () => {
  dir = await tempDir('spin-ts-kv-');
  stateDir = join(dir, 'state');
  runtimeConfig = join(dir, 'runtime-config.toml');
  await writeFile(runtimeConfig, '[key_value_store.named]\ntype = "spin"\npath = "named.db"\n\n[key_value_store.secret]\ntype = "spin"\n');
  manifest = await writeApp(APP(guest('js-kv')));
});

describe('key-value on SQLite through a real guest', () => {
  let spin: RunningSpin;
  before(async () => {
    spin = await start(['--key-value', 'seeded=from the flag', '--key-value', 'eq=a=b']);
  });
  after(async () => spin?.stop());

  test('fermyon:spin/key-value@2.0.0: set, get, exists, get-keys, delete; a missing key is none', async () => {
    const c = (op: string, extra: object = {}) => kv(spin.url, { api: 'v2', op, store: 'named', ...extra });
    assert.deepEqual(await c('get', { key: 'a' }), { ok: null });
    assert.deepEqual(await c('set', { key: 'a', value: 'one' }), { ok: null });
    assert.deepEqual(await c('set', { key: 'b', value: '' }), { ok: null });
    assert.deepEqual(await c('get', { key: 'a' }), { ok: 'one' });
    assert.deepEqual(await c('get', { key: 'b' }), { ok: '' });
    assert.deepEqual(await c('exists', { key: 'a' }), { ok: true });
    assert.deepEqual(await c('exists', { key: 'zz' }), { ok: false });
    assert.deepEqual(await c('get-keys'), { ok: ['a', 'b'] });
    assert.deepEqual(await c('delete', { key: 'a' }), { ok: null });
    assert.deepEqual(await c('delete', { key: 'a' }), { ok: null });
    assert.deepEqual(await c('get-keys'), { ok: ['b'] });
    assert.ok(existsSync(join(dir, 'named.db')), 'path is relative to the runtime config file');
  });

  // Spin's key-value factor answers access-denied for every label the component does not
  // list, whether or not another component lists it (no-such-store told guests which labels exist).
  test("fermyon:spin/key-value@2.0.0: access-denied for any label not the component's, the app's or unknown", async () => {
    assert.deepEqual(await kv(spin.url, { api: 'v2', op: 'open', store: 'secret' }), { error: { tag: 'access-denied' } });
    assert.deepEqual(await kv(spin.url, { api: 'v2', op: 'open', store: 'nowhere' }), { error: { tag: 'access-denied' } });
    assert.deepEqual(await kv(spin.url, { api: 'v2', op: 'open', store: 'default' }, '/other/kv'), { error: { tag: 'access-denied' } });
    assert.deepEqual(await kv(spin.url, { api: 'v2', op: 'set', store: 'secret', key: 'k', value: 'v' }, '/other/kv'), { ok: null });
  });

  test('fermyon:spin/key-value@2.0.0: a value over 16 MiB is other(...) with the limit; the app keeps serving', async () => {
    const r = await kv(spin.url, { api: 'v2', op: 'set', store: 'default', key: 'huge', size: 16 * 1024 * 1024 + 1 });
    assert.deepEqual(r, { error: { tag: 'other', val: 'value is 16777217 bytes; the limit is 16 MiB' } });
    assert.deepEqual(await kv(spin.url, { api: 'v2', op: 'exists', store: 'default', key: 'huge' }), { ok: false });
  });

  test('--key-value KEY=VALUE seeds the default store (the value may hold "=")', async () => {
    assert.deepEqual(await kv(spin.url, { api: 'v2', op: 'get', store: 'default', key: 'seeded' }), { ok: 'from the flag' });
    assert.deepEqual(await kv(spin.url, { api: 'v2', op: 'get', store: 'default', key: 'eq' }), { ok: 'a=b' });
  });

  test('fermyon:spin/key-value (Spin 1.x, unversioned): handles, no-such-key, invalid-store, io errors', async () => {
    const c = (op: string, extra: object = {}) => kv(spin.url, { api: 'v1', op, store: 'default', ...extra });
    assert.deepEqual(await c('set', { key: 'v1', value: 'old api' }), { ok: null });
    assert.deepEqual(await c('get', { key: 'v1' }), { ok: 'old api' });
    assert.deepEqual(await c('get', { key: 'nope' }), { error: { tag: 'no-such-key' } });
    assert.deepEqual(await c('exists', { key: 'v1' }), { ok: true });
    assert.ok(((await c('get-keys')) as { ok: string[] }).ok.includes('v1'));
    assert.deepEqual(await c('delete', { key: 'v1' }), { ok: null });
    assert.deepEqual(await c('get', { key: 'v1', handle: 4242 }), { error: { tag: 'invalid-store' } });
    assert.deepEqual(await c('open', { store: 'secret' }), { error: { tag: 'access-denied' } });
    assert.deepEqual(await c('open', { store: 'nowhere' }), { error: { tag: 'access-denied' } });
    assert.deepEqual(await c('set', { key: 'x'.repeat(65 * 1024), value: 'v' }), { error: { tag: 'io', val: 'key is 66560 bytes; the limit is 64 KiB' } });
  });

  test('wasi:keyvalue@0.2.0-draft2: store, batch, atomics increment and compare-and-swap', async () => {
    const c = (op: string, extra: object = {}) => kv(spin.url, { api: 'wasi', op, store: 'named', ...extra });
    assert.deepEqual(await c('set', { key: 'w', value: '1' }), { ok: null });
    assert.deepEqual(await c('get', { key: 'w' }), { ok: '1' });
    assert.deepEqual(await c('exists', { key: 'w' }), { ok: true });
    assert.deepEqual(
      await c('set-many', {
        entries: [
          ['m1', 'x'],
          ['m2', 'y'],
        ],
      }),
      { ok: null },
    );
    assert.deepEqual(await c('get-many', { keys: ['m1', 'm2', 'm3'] }), {
      ok: [
        ['m1', 'x'],
        ['m2', 'y'],
        ['m3', null],
      ],
    });
    assert.deepEqual(await c('delete-many', { keys: ['m1', 'm2'] }), { ok: null });
    assert.deepEqual(await c('delete', { key: 'w' }), { ok: null });
    assert.deepEqual(await c('list-keys'), { ok: { keys: ['b'], cursor: null } });
    assert.deepEqual(await c('increment', { key: 'n', delta: 41 }), { ok: '41' });
    assert.deepEqual(await c('increment', { key: 'n', delta: 1 }), { ok: '42' });
    assert.deepEqual(await c('cas', { key: 'c', value: 'first' }), { ok: { before: null, swapped: true } });
    assert.deepEqual(await c('cas', { key: 'c', value: 'lost', interfere: 'meddled' }), { ok: { before: 'first', swapped: false, current: 'meddled' } });
    assert.deepEqual(await c('open', { store: 'secret' }), { error: { tag: 'access-denied' } });
    assert.deepEqual(await c('open', { store: 'nowhere' }), { error: { tag: 'access-denied' } });
  });
});

describe('key-value under load and across restarts', () => {
  test('8 workers write 1,000 distinct keys at once; increments from all of them add up; everything is there after a restart', async () => {
    let spin = await start(['--workers', '8']);
    const keys = Array.from({ length: 1000 }, (_, i) => `k${i}`);
    // 100 requests of 10 single-key sets each, 16 in flight (a guest instance per request is the slow part).
    const groups = Array.from({ length: 100 }, (_, g) => keys.slice(g * 10, g * 10 + 10));
    try {
      await inParallel(groups, 16, async (group) => {
        const r = await kv(spin.url, { api: 'v2', op: 'set-each', store: 'default', entries: group.map((k) => [k, `value of ${k}`]) });
        assert.deepEqual(r, { ok: null });
      });
      await inParallel(
        Array.from({ length: 40 }, (_, i) => i),
        16,
        async () => {
          const r = await kv(spin.url, { api: 'wasi', op: 'increment', store: 'default', key: 'counter', delta: 1, repeat: 5 });
          assert.ok('ok' in r, JSON.stringify(r));
        },
      );
    } finally {
      await spin.stop();
    }
    spin = await start();
    try {
      const all = (await kv(spin.url, { api: 'v2', op: 'get-keys', store: 'default' })) as { ok: string[] };
      const present = new Set(all.ok);
      assert.deepEqual(
        keys.filter((k) => !present.has(k)),
        [],
      );
      assert.deepEqual(await kv(spin.url, { api: 'v2', op: 'get', store: 'default', key: 'k999' }), { ok: 'value of k999' });
      assert.deepEqual(await kv(spin.url, { api: 'wasi', op: 'increment', store: 'default', key: 'counter', delta: 0 }), { ok: '200' });
    } finally {
      await spin.stop();
    }
  });
});

describe('key-value start-up errors', () => {
  test('a label with no backend names the manifest line', async () => {
    const rc = join(dir, 'empty.toml');
    await writeFile(rc, '');
    const r = await runCli(['up', '-f', manifest, '--runtime-config-file', rc, '--listen', '127.0.0.1:0']);
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      /component\.main\.key_value_stores \(line 12, column 1\): component 'main' uses key-value store 'named', which no runtime config defines/,
    );
  });

  test('a bad runtime-config entry names its line; an unknown type suggests the right one', async () => {
    const rc = join(dir, 'bad.toml');
    await writeFile(rc, '[key_value_store.named]\ntype = "spinn"\n');
    const r = await runCli(['up', '-f', manifest, '--runtime-config-file', rc, '--listen', '127.0.0.1:0']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /key_value_store\.named\.type \(line 2, column 1\): unknown key-value store type "spinn". Did you mean "spin"\?/);
    await writeFile(rc, '[key_value_store.named]\ntype = "redis"\n');
    const missing = await runCli(['up', '-f', manifest, '--runtime-config-file', rc, '--listen', '127.0.0.1:0']);
    assert.match(missing.stderr, /key_value_store\.named\.url \(line 1, column \d+\): missing required key "url"/);
  });

  test('--key-value without "=" is a usage error', async () => {
    const r = await runCli(['up', '-f', manifest, '--runtime-config-file', runtimeConfig, '--key-value', 'novalue', '--listen', '127.0.0.1:0']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /--key-value: 'novalue' is not KEY=VALUE/);
  });
});
