/** The outbound-redis factor through the factor harness, against a real redis-server: the guest side's decisions and the replies' types as jco hands them to a guest. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { haveRedis, startRedis, type RunningRedis } from '../../../test/support/redis.js';
import { factorHarness, type FactorHarness } from '../testing/harness.js';
import { outboundRedisFactor } from './index.js';

const IFACE = 'fermyon:spin/redis';

describe('outbound-redis factor', { skip: !haveRedis() && 'redis-server not installed' }, () => {
  let redis: RunningRedis;
  let h: FactorHarness;
  before(async () => {
    redis = await startRedis();
    h = await factorHarness(outboundRedisFactor, {
      manifest: `spin_manifest_version = 2
[application]
name = "r"
[[trigger.http]]
route = "/..."
component = "web"
[component.web]
source = "web.wasm"
allowed_outbound_hosts = ["${redis.url}"]
`,
      component: 'web',
    });
  });
  after(async () => {
    await h?.close();
    await redis?.stop();
  });

  test('bytes in and out, s64 counts, string lists', async () => {
    const value = new Uint8Array([0, 1, 2, 255]);
    assert.deepEqual(await h.call(IFACE, 'set', [redis.url, 'k', value]), { ok: true, value: undefined });
    const got = await h.call(IFACE, 'get', [redis.url, 'k']);
    assert.ok(got.ok);
    assert.deepEqual([...(got.value as Uint8Array)], [0, 1, 2, 255]);
    assert.deepEqual(await h.call(IFACE, 'incr', [redis.url, 'n']), { ok: true, value: 1n });
    assert.deepEqual(await h.call(IFACE, 'sadd', [redis.url, 's', ['x', 'y']]), { ok: true, value: 2n });
    assert.deepEqual(await h.call(IFACE, 'del', [redis.url, ['k', 'n', 's', 'none']]), { ok: true, value: 3n });
  });

  test('execute maps each reply to redis-result', async () => {
    const r = await h.call(IFACE, 'execute', [
      redis.url,
      'SET',
      [
        { tag: 'binary', val: new TextEncoder().encode('e') },
        { tag: 'int64', val: 7n },
      ],
    ]);
    assert.deepEqual(r, { ok: true, value: [{ tag: 'status', val: 'OK' }] });
    const got = await h.call(IFACE, 'execute', [
      redis.url,
      'MGET',
      [
        { tag: 'binary', val: new TextEncoder().encode('e') },
        { tag: 'binary', val: new Uint8Array([0x7a]) },
      ],
    ]);
    assert.ok(got.ok);
    const [first, second] = got.value as Array<{ tag: string; val?: Uint8Array }>;
    assert.equal(first.tag, 'binary');
    assert.equal(new TextDecoder().decode(first.val), '7');
    assert.deepEqual(second, { tag: 'nil' });
  });

  test('an address outside allowed_outbound_hosts is the error case, with a log line naming the entry; so is an address that is not redis://', async () => {
    const denied = await h.call(IFACE, 'get', ['redis://10.1.2.3:6380', 'k']);
    assert.deepEqual(!denied.ok && denied.error, 'error');
    assert.ok(
      h.logs.some((l) => /may not connect to redis:\/\/10\.1\.2\.3:6380.*add "redis:\/\/10\.1\.2\.3:6380" to allowed_outbound_hosts/.test(l)),
      h.logs.join('\n'),
    );
    const bad = await h.call(IFACE, 'get', ['not a url', 'k']);
    assert.deepEqual(!bad.ok && bad.error, 'error');
    assert.ok(h.logs.some((l) => /is not a redis:\/\/ or rediss:\/\/ address/.test(l)));
  });
});
