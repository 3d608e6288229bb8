/**
 * Key-value on a real Redis (redis-server started here on a free loopback port): the same
 * guest operations as on SQLite, and two spin-ts processes sharing one Redis see each
 * other's writes, counters included. A dead Redis is other(...), not a crash.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { inParallel, kv } from './support/kv-client.js';
import { haveRedis, startRedis, type RunningRedis } from './support/redis.js';
import { guest, startSpin, tempDir, writeApp, type RunningSpin } from './support/spin.js';

const skip = haveRedis() ? false : 'redis-server is not installed (apt-get install -y redis-server)';

let redis: RunningRedis;
let manifest: string;
let dir: string;

async function start(rc: string): Promise<RunningSpin> {
  return startSpin(['-f', manifest, '--state-dir', join(dir, 'state'), '--runtime-config-file', rc, '-q', '--workers', '2']);
}

before(async () => {
  if (skip) return;
  redis = await startRedis();
  dir = await tempDir('spin-ts-kv-redis-');
  await writeFile(
    join(dir, 'redis.toml'),
    `[key_value_store.shared]\ntype = "redis"\nurl = "${redis.url}"\n\n[key_value_store.default]\ntype = "redis"\nurl = "${redis.url}/1"\n`,
  );
  await writeFile(join(dir, 'dead.toml'), `[key_value_store.shared]\ntype = "redis"\nurl = "redis://127.0.0.1:1"\n`);
  manifest = await writeApp(`spin_manifest_version = 2
[application]
name = "kv-redis"
[[trigger.http]]
route = "/kv"
component = "main"
[component.main]
source = "${guest('js-kv')}"
key_value_stores = ["shared", "default"]
`);
});
after(async () => redis?.stop());

test('redis: every operation through fermyon:spin/key-value@2.0.0 and wasi:keyvalue@0.2.0-draft2', { skip }, async () => {
  const spin = await start(join(dir, 'redis.toml'));
  try {
    const v2 = (op: string, extra: object = {}) => kv(spin.url, { api: 'v2', op, store: 'shared', ...extra });
    const wasi = (op: string, extra: object = {}) => kv(spin.url, { api: 'wasi', op, store: 'shared', ...extra });
    assert.deepEqual(await v2('get', { key: 'a' }), { ok: null });
    assert.deepEqual(await v2('set', { key: 'a', value: 'one' }), { ok: null });
    assert.deepEqual(await v2('get', { key: 'a' }), { ok: 'one' });
    assert.deepEqual(await v2('exists', { key: 'a' }), { ok: true });
    assert.deepEqual(await v2('get-keys'), { ok: ['a'] });
    assert.deepEqual(await v2('delete', { key: 'a' }), { ok: null });
    assert.deepEqual(await v2('exists', { key: 'a' }), { ok: false });
    assert.deepEqual(
      await wasi('set-many', {
        entries: [
          ['m1', 'x'],
          ['m2', 'y'],
        ],
      }),
      { ok: null },
    );
    assert.deepEqual(await wasi('get-many', { keys: ['m1', 'm2', 'm3'] }), {
      ok: [
        ['m1', 'x'],
        ['m2', 'y'],
        ['m3', null],
      ],
    });
    assert.deepEqual(await wasi('delete-many', { keys: ['m1', 'm2'] }), { ok: null });
    assert.deepEqual(await wasi('increment', { key: 'n', delta: 3 }), { ok: '3' });
    assert.deepEqual(await wasi('cas', { key: 'c', value: 'first' }), { ok: { before: null, swapped: true } });
    assert.deepEqual(await wasi('cas', { key: 'c', value: 'lost', interfere: 'meddled' }), { ok: { before: 'first', swapped: false, current: 'meddled' } });
    // `default` on a second Redis database: apart from `shared`.
    assert.deepEqual(await kv(spin.url, { api: 'v2', op: 'get', store: 'default', key: 'n' }), { ok: null });
  } finally {
    await spin.stop();
  }
});

test("redis: two spin-ts processes on one Redis see each other's writes and counters", { skip }, async () => {
  const [one, two] = await Promise.all([start(join(dir, 'redis.toml')), start(join(dir, 'redis.toml'))]);
  try {
    assert.deepEqual(await kv(one.url, { api: 'v2', op: 'set', store: 'shared', key: 'from-one', value: 'hello from one' }), { ok: null });
    assert.deepEqual(await kv(two.url, { api: 'v2', op: 'get', store: 'shared', key: 'from-one' }), { ok: 'hello from one' });
    await inParallel(
      Array.from({ length: 20 }, (_, i) => (i % 2 ? one : two)),
      8,
      async (spin) => {
        const r = await kv(spin.url, { api: 'wasi', op: 'increment', store: 'shared', key: 'both', delta: 1, repeat: 5 });
        assert.ok('ok' in r, JSON.stringify(r));
      },
    );
    assert.deepEqual(await kv(one.url, { api: 'wasi', op: 'increment', store: 'shared', key: 'both', delta: 0 }), { ok: '100' });
  } finally {
    await Promise.all([one.stop(), two.stop()]);
  }
});

test('redis: an unreachable Redis is other("cannot connect …") at open, and the app keeps serving', { skip }, async () => {
  const spin = await start(join(dir, 'dead.toml'));
  try {
    const r = (await kv(spin.url, { api: 'v2', op: 'open', store: 'shared' })) as { error: { tag: string; val: string } };
    assert.equal(r.error.tag, 'other');
    assert.match(r.error.val, /cannot connect to Redis at redis:\/\/127\.0\.0\.1:1/);
    assert.deepEqual(await kv(spin.url, { api: 'v2', op: 'set', store: 'default', key: 'k', value: 'v' }), { ok: null });
  } finally {
    await spin.stop();
  }
});
