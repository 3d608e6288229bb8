/**
 * Key-value get/set per second through a guest (js-kv: N single-key calls in one request,
 * each a bridge round trip to the main thread) beside the same backend called directly
 * in-process (what running libsql inside the worker would cost), SQLite and Redis, same run.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RedisClients } from '../host/factors/key-value/redis.js';
import { SqliteFiles } from '../host/factors/key-value/sqlite.js';
import type { KvBackend } from '../host/factors/key-value/backend.js';
import { haveRedis, startRedis } from '../test/support/redis.js';
import { CLI, fmt, guestPath, startServer } from './support.js';

const N = Number(process.env.BENCH_KV_OPS ?? 2000);

async function direct(backend: KvBackend): Promise<{ set: number; get: number }> {
  const value = Buffer.from('x'.repeat(100));
  await backend.ready();
  let t = performance.now();
  for (let i = 0; i < N; i++) await backend.set(`d${i}`, value);
  const set = N / ((performance.now() - t) / 1000);
  t = performance.now();
  for (let i = 0; i < N; i++) await backend.get(`d${i}`);
  return { set, get: N / ((performance.now() - t) / 1000) };
}

async function throughGuest(url: string, store: string): Promise<{ set: number; get: number }> {
  const keys = Array.from({ length: N }, (_, i) => `g${i}`);
  const call = async (body: object) => {
    const t = performance.now();
    const res = await fetch(url + '/kv', { method: 'POST', body: JSON.stringify(body) });
    const reply = (await res.json()) as { ok?: unknown };
    if (!('ok' in reply)) throw new Error(JSON.stringify(reply));
    return performance.now() - t;
  };
  await call({ api: 'v2', op: 'get-each', store, keys: keys.slice(0, 10) }); // warm: instance, file, connection
  const setMs = await call({ api: 'v2', op: 'set-each', store, entries: keys.map((k) => [k, 'x'.repeat(100)]) });
  const getMs = await call({ api: 'v2', op: 'get-each', store, keys });
  return { set: N / (setMs / 1000), get: N / (getMs / 1000) };
}

export async function benchKeyValue(): Promise<{ markdown: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'spin-ts-bench-kv-'));
  const redis = haveRedis() ? await startRedis() : undefined;
  await writeFile(
    join(dir, 'spin.toml'),
    `spin_manifest_version = 2
[application]
name = "kv-bench"
[[trigger.http]]
route = "/kv"
component = "kv"
[component.kv]
source = "${guestPath('js-kv')}"
key_value_stores = ["default"${redis ? ', "redis"' : ''}]
`,
  );
  await writeFile(join(dir, 'rc.toml'), redis ? `[key_value_store.redis]\ntype = "redis"\nurl = "${redis.url}"\n` : '');
  const rows: string[] = [];
  const row = (what: string, r: { set: number; get: number }, base?: { set: number; get: number }) =>
    rows.push(`| ${what} | ${fmt(r.set, 0)} | ${fmt(r.get, 0)} | ${base ? `${fmt(r.set / base.set, 3)} / ${fmt(r.get / base.get, 3)}` : '1 / 1'} |`);
  const server = await startServer([
    CLI,
    'up',
    '-f',
    join(dir, 'spin.toml'),
    '--listen',
    '127.0.0.1:0',
    '--state-dir',
    join(dir, 'state'),
    '--runtime-config-file',
    join(dir, 'rc.toml'),
    '--workers',
    '1',
    '-q',
  ]);
  try {
    const files = new SqliteFiles();
    const sqliteDirect = await direct(files.backend('default', join(dir, 'direct', 'sqlite_key_value.db')));
    files.close();
    row('SQLite (WAL), libsql called directly in-process', sqliteDirect);
    row('SQLite, through a JS guest (fermyon:spin/key-value@2.0.0, bridge to the main thread)', await throughGuest(server.url, 'default'), sqliteDirect);
    if (redis) {
      const clients = new RedisClients();
      const redisDirect = await direct(clients.backend(redis.url));
      await clients.close();
      row('Redis 7 on loopback, node-redis called directly', redisDirect);
      row('Redis, through a JS guest', await throughGuest(server.url, 'redis'), redisDirect);
    }
  } finally {
    await server.stop();
    await redis?.stop();
  }
  const markdown = [
    `| backend and path (${N} sequential single-key calls, 100-byte values) | set/s | get/s | ÷ direct (set / get) |`,
    '| --- | ---: | ---: | ---: |',
    ...rows,
  ].join('\n');
  return { markdown };
}
