/**
 * A Redis outage, end to end: a key-value store on a real redis-server that is stopped and
 * started again on the same port. While it is down each call is a clear guest error; the first
 * call after it is back succeeds, however long the outage (the clients keep no retry budget to
 * run out of: node-redis's own retries used to give up for good after ~33 s). The server logs
 * the outage once and the recovery once.
 *
 * REDIS_OUTAGE_S sets how long Redis stays down (default 2 s; 35 s outlasts the old give-up).
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'node:test';
import { kv } from './support/kv-client.js';
import { haveRedis, startRedis } from './support/redis.js';
import { guest, startSpin, tempDir, writeApp } from './support/spin.js';

const skip = haveRedis() ? false : 'redis-server is not installed (apt-get install -y redis-server)';
const OUTAGE_MS = Number(process.env.REDIS_OUTAGE_S ?? 2) * 1000;

test(
  'redis: calls fail clearly while Redis is down, the next call after it is back succeeds, one log line each',
  { skip, timeout: OUTAGE_MS + 60_000 },
  async () => {
    let redis = await startRedis();
    const port = Number(new URL(redis.url).port);
    const dir = await tempDir('spin-ts-redis-recovery-');
    const rc = join(dir, 'redis.toml');
    await writeFile(rc, `[key_value_store.shared]\ntype = "redis"\nurl = "${redis.url}"\n`);
    const manifest = await writeApp(`spin_manifest_version = 2
[application]
name = "redis-recovery"
[[trigger.http]]
route = "/kv"
component = "main"
[component.main]
source = "${guest('js-kv')}"
key_value_stores = ["shared"]
`);
    const spin = await startSpin(['-f', manifest, '--state-dir', join(dir, 'state'), '--runtime-config-file', rc, '-q', '--workers', '2']);
    try {
      const set = (value: string) => kv(spin.url, { api: 'v2', op: 'set', store: 'shared', key: 'k', value });
      assert.deepEqual(await set('before'), { ok: null });

      await redis.stop();
      const started = Date.now();
      let failures = 0;
      do {
        const r = (await set('during')) as { error?: { tag: string; val: string } };
        assert.equal(r.error?.tag, 'other', JSON.stringify(r));
        assert.match(r.error!.val, new RegExp(`cannot connect to Redis at redis://127\\.0\\.0\\.1:${port}`));
        failures++;
        await sleep(250);
      } while (Date.now() - started < OUTAGE_MS);
      assert.ok(failures >= 2);

      redis = await startRedis(port);
      assert.deepEqual(await set('after'), { ok: null }, 'the first call after Redis is back');
      assert.deepEqual(await kv(spin.url, { api: 'v2', op: 'get', store: 'shared', key: 'k' }), { ok: 'after' });

      const lines = spin.output().split('\n');
      const down = lines.filter((l) =>
        /key-value: Redis at redis:\/\/127\.0\.0\.1:\d+\/? is unreachable \(.+\); calls to it fail until it answers again/.test(l),
      );
      const up = lines.filter((l) => /key-value: Redis at redis:\/\/127\.0\.0\.1:\d+\/? answers again after \d+\.\d s/.test(l));
      assert.equal(down.length, 1, spin.output());
      assert.equal(up.length, 1, spin.output());
    } finally {
      await spin.stop();
      await redis.stop();
    }
  },
);
