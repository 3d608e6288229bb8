/**
 * The key-value factor through the factor harness (guest imports → real bridge → real
 * service → real SQLite), and its service and runtime config directly. Real guests over
 * real HTTP are test/key-value.test.ts; Redis is test/key-value-redis.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CallContext } from '../../components/bridge.js';
import type { ServiceImpl } from '../factor.js';
import { factorHarness } from '../testing/harness.js';
import type { KeyValueService } from './api.js';
import { DEFAULT_STORE_FILE, keyValueFactor } from './index.js';
import { MAX_KEY_BYTES, MAX_VALUE_BYTES } from './limits.js';

const MANIFEST = `spin_manifest_version = 2
[application]
name = "kv"
[[trigger.http]]
route = "/..."
component = "web"
[[trigger.http]]
route = "/other/..."
component = "other"
[component.web]
source = "web.wasm"
key_value_stores = ["default", "cache"]
[component.other]
source = "other.wasm"
key_value_stores = ["default", "private"]
`;

const RUNTIME_CONFIG = `[key_value_store.cache]
type = "spin"

[key_value_store.private]
type = "spin"
path = "private.db"
`;

async function harness(extra: { manifest?: string; runtimeConfig?: string; seeds?: Array<[string, string]>; stateDir?: string } = {}) {
  const stateDir = extra.stateDir ?? (await mkdtemp(join(tmpdir(), 'spin-ts-kv-')));
  const h = await factorHarness(keyValueFactor({ seeds: extra.seeds ?? [] }), {
    manifest: extra.manifest ?? MANIFEST,
    component: 'web',
    runtimeConfig: extra.runtimeConfig ?? RUNTIME_CONFIG,
    stateDir,
  });
  const service = h.configured.service as ServiceImpl<KeyValueService>;
  const as = (componentId: string): CallContext => ({ componentId, requestId: 1, signal: new AbortController().signal });
  return { h, service, as, stateDir };
}

const bytes = (s: string) => new TextEncoder().encode(s);
const text = (b: Uint8Array | undefined) => (b === undefined ? undefined : new TextDecoder().decode(b));

test('key-value: the default store is sqlite_key_value.db in the state dir, created on first use', async () => {
  const { h, service, as, stateDir } = await harness();
  try {
    assert.equal(existsSync(join(stateDir, DEFAULT_STORE_FILE)), false);
    await service.set(as('web'), 'default', 'k', bytes('v'));
    assert.equal(existsSync(join(stateDir, DEFAULT_STORE_FILE)), true);
    assert.equal(text(await service.get(as('web'), 'default', 'k')), 'v');
  } finally {
    await h.close();
  }
});

test('key-value: every operation of the service on SQLite', async () => {
  const { h, service, as } = await harness();
  const web = as('web');
  try {
    assert.equal(await service.get(web, 'cache', 'missing'), undefined);
    assert.equal(await service.exists(web, 'cache', 'a'), false);
    await service.set(web, 'cache', 'a', bytes('1'));
    await service.set(web, 'cache', 'a', bytes('2'));
    assert.equal(text(await service.get(web, 'cache', 'a')), '2');
    assert.equal(await service.exists(web, 'cache', 'a'), true);
    await service.setMany(web, 'cache', [
      ['b', bytes('B')],
      ['c', bytes('C')],
    ]);
    assert.deepEqual((await service.keys(web, 'cache')).sort(), ['a', 'b', 'c']);
    assert.deepEqual(
      (await service.getMany(web, 'cache', ['b', 'zz'])).map(([k, v]) => [k, text(v)]),
      [
        ['b', 'B'],
        ['zz', undefined],
      ],
    );
    await service.deleteMany(web, 'cache', ['b', 'c', 'never']);
    await service.delete(web, 'cache', 'a');
    await service.delete(web, 'cache', 'a');
    assert.deepEqual(await service.keys(web, 'cache'), []);
    // Stores in one file stay apart.
    await service.set(web, 'default', 'a', bytes('d'));
    assert.equal(await service.get(web, 'cache', 'a'), undefined);
  } finally {
    await h.close();
  }
});

test("key-value: increment is Spin's 8-byte little-endian counter; compare-and-swap sees changes", async () => {
  const { h, service, as } = await harness();
  const web = as('web');
  try {
    assert.equal(await service.increment(web, 'default', 'n', 5n), 5n);
    assert.equal(await service.increment(web, 'default', 'n', -7n), -2n);
    assert.deepEqual([...(await service.get(web, 'default', 'n'))!], [0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
    await service.set(web, 'default', 's', bytes('text'));
    await assert.rejects(service.increment(web, 'default', 's', 1n), { kind: 'other', message: /not a counter/ });
    assert.equal(await service.compareAndSwap(web, 'default', 'c', undefined, bytes('first')), true);
    assert.equal(await service.compareAndSwap(web, 'default', 'c', undefined, bytes('again')), false);
    assert.equal(await service.compareAndSwap(web, 'default', 'c', bytes('first'), bytes('second')), true);
    assert.equal(text(await service.get(web, 'default', 'c')), 'second');
  } finally {
    await h.close();
  }
});

// As Spin's key-value factor: a label the component does not list is access-denied,
// whether the app declares it or not.
test('key-value: a label the component does not list is access-denied, declared by the app or unknown', async () => {
  const { h, service, as } = await harness();
  try {
    await assert.rejects(service.get(as('web'), 'private', 'k'), { kind: 'access-denied' });
    await assert.rejects(service.open(as('web'), 'private'), { kind: 'access-denied' });
    await assert.rejects(service.open(as('web'), 'nowhere'), { kind: 'access-denied' });
    await service.open(as('other'), 'private');
  } finally {
    await h.close();
  }
});

test("key-value: the guest side maps errors onto each interface's WIT variant", async () => {
  const { h } = await harness();
  try {
    // Spin 1.x (unversioned): u32 handles.
    const opened = await h.call('fermyon:spin/key-value', 'open', ['default']);
    assert.equal(opened.ok && typeof opened.value, 'number');
    assert.deepEqual(await h.call('fermyon:spin/key-value', 'open', ['private']), { ok: false, error: { tag: 'access-denied' }, message: 'access-denied' });
    assert.deepEqual((await h.call('fermyon:spin/key-value', 'open', ['nowhere'])).ok, false);
    const bad = await h.call('fermyon:spin/key-value', 'get', [99, 'k']);
    assert.deepEqual(!bad.ok && bad.error, { tag: 'invalid-store' });
    // wasi:keyvalue@0.2.0-draft2 store.open.
    const denied = await h.call('wasi:keyvalue/store', 'open', ['private']);
    assert.deepEqual(!denied.ok && denied.error, { tag: 'access-denied' });
    const missing = await h.call('wasi:keyvalue/store', 'open', ['nowhere']);
    assert.deepEqual(!missing.ok && missing.error, { tag: 'access-denied' });
  } finally {
    await h.close();
  }
});

test('key-value: a key or value over the bound is other(...) with the limit in it', async () => {
  const { h, service, as } = await harness();
  try {
    await assert.rejects(service.set(as('web'), 'default', 'k'.repeat(MAX_KEY_BYTES + 1), bytes('v')), {
      kind: 'other',
      message: /key is 65537 bytes; the limit is 64 KiB/,
    });
    await assert.rejects(service.set(as('web'), 'default', 'k', new Uint8Array(MAX_VALUE_BYTES + 1)), { kind: 'other', message: /the limit is 16 MiB/ });
  } finally {
    await h.close();
  }
});

test('key-value: --key-value seeds land in the default store and survive a restart', async () => {
  const first = await harness({
    seeds: [
      ['greeting', 'hello'],
      ['empty', ''],
    ],
  });
  await first.h.close();
  const again = await harness({ stateDir: first.stateDir });
  try {
    assert.equal(text(await again.service.get(again.as('web'), 'default', 'greeting')), 'hello');
    assert.equal(text(await again.service.get(again.as('web'), 'default', 'empty')), '');
  } finally {
    await again.h.close();
  }
});

test('key-value: a label with no backend is a start-up error naming the manifest line', async () => {
  await assert.rejects(
    harness({ runtimeConfig: '' }),
    /component\.web\.key_value_stores \(line 12, column 1\): component 'web' uses key-value store 'cache', which no runtime config defines/,
  );
});

test('key-value: bad runtime-config entries are errors with their line', async () => {
  const cases: Array<[string, RegExp]> = [
    ['[key_value_store.cache]\ntype = "mongo"\n', /key_value_store\.cache\.type \(line 2, column 1\): unknown key-value store type "mongo"/],
    ['[key_value_store.cache]\ntype = "redis"\n', /key_value_store\.cache\.url .*missing required key "url"/],
    ['[key_value_store.cache]\npath = "x.db"\n', /key_value_store\.cache\.type .*missing required key "type"/],
    [
      '[key_value_store.cache]\ntype = "redis"\nurl = "http://x"\n',
      /key_value_store\.cache\.url \(line 3, column 1\): "http:\/\/x" is not a redis:\/\/ or rediss:\/\/ URL/,
    ],
    ['[key_value_store.cache]\ntype = "spin"\npth = "x.db"\n', /key_value_store\.cache\.pth \(line 3, column 1\): unknown key "pth". Did you mean "path"\?/],
    ['[key_value_store.cache]\ntype = "azure_cosmos"\n', /spin-ts does not support Azure Cosmos DB key-value stores/],
    ['key_value_store = 3\n', /key_value_store \(line 1, column 1\): must be a table/],
  ];
  for (const [rc, expected] of cases) await assert.rejects(harness({ runtimeConfig: rc }), expected, rc);
});
