/**
 * Spin 2's outbound Redis (`fermyon:spin/redis@2.0.0`) through a real component (js-redis2
 * over wasi:http) served by `spin-ts up` against a real redis-server: every operation of the
 * `connection` resource, each `error` case (a denied host and a bad address are
 * invalid-address, a key of the wrong type is type-error, a Redis that is down is other(...)
 * until it is back), the per-instance bound on open connections, and the bound on the clients
 * a guest can make the host hold.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createClient } from 'redis';
import { haveRedis, startRedis, type RunningRedis } from './support/redis.js';
import { freePort } from './support/ports.js';
import { guest, startSpin, writeApp, type RunningSpin } from './support/spin.js';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
interface Reply {
  status: number;
  results?: Json[];
  error?: { tag: string; val?: string };
  step?: number;
  trap?: string;
}
type Step = { op: string } & Record<string, Json>;

let redis: RunningRedis;
let spin: RunningSpin;
let otherPort: number;

async function exec(component: string, address: string, steps: Step[], extra: Record<string, Json> = {}): Promise<Reply> {
  const res = await fetch(`${spin.url}/${component}/exec`, { method: 'POST', body: JSON.stringify({ address, steps, ...extra }) });
  const text = await res.text();
  try {
    return { status: res.status, ...(JSON.parse(text) as object) };
  } catch {
    return { status: res.status, trap: text };
  }
}

function ok(r: Reply): Json[] {
  assert.equal(r.status, 200, JSON.stringify(r));
  return r.results!;
}

/** Clients connected to the test's Redis, as Redis counts them (this one included). */
async function connectedClients(): Promise<number> {
  const c = createClient({ url: redis.url });
  await c.connect();
  try {
    return Number(/connected_clients:(\d+)/.exec(await c.info('clients'))![1]);
  } finally {
    c.destroy();
  }
}

describe('redis@2.0.0', { skip: !haveRedis() && 'redis-server is not installed (apt-get install -y redis-server)' }, () => {
  before(async () => {
    redis = await startRedis();
    otherPort = await freePort();
    const manifest = await writeApp(`spin_manifest_version = 2
[application]
name = "redis2"
[[trigger.http]]
route = "/r/..."
component = "r"
[[trigger.http]]
route = "/nohost/..."
component = "nohost"
[component.r]
source = "${guest('js-redis2')}"
allowed_outbound_hosts = ["${redis.url}", "redis://127.0.0.1:${otherPort}"]
[component.nohost]
source = "${guest('js-redis2')}"
allowed_outbound_hosts = ["redis://127.0.0.1:${otherPort}"]
`);
    spin = await startSpin(['-f', manifest, '--workers', '2']);
  });
  after(async () => {
    await spin?.stop();
    await redis?.stop();
  });

  test('get, set, incr, del, sadd, smembers, srem on one connection, with the interface types', async () => {
    const results = ok(
      await exec('r', redis.url, [
        { op: 'set', key: 'a', value: 'héllo' },
        { op: 'get', key: 'a' },
        { op: 'get', key: 'missing' },
        { op: 'incr', key: 'n' },
        { op: 'incr', key: 'n' },
        { op: 'sadd', key: 's', values: ['x', 'y', 'x'] },
        { op: 'sadd', key: 's', values: ['y', 'z'] },
        { op: 'smembers', key: 's' },
        { op: 'srem', key: 's', values: ['x', 'nope'] },
        { op: 'del', keys: ['a', 'n', 'nope'] },
        { op: 'get', key: 'a' },
      ]),
    );
    const [set, got, missing, n1, n2, added, added2, members, removed, deleted, gone] = results;
    assert.equal(set, null);
    assert.equal(got, 'héllo');
    assert.equal(missing, null, 'a missing key is none');
    assert.deepEqual([n1, n2], ['1', '2'], 'incr is s64');
    assert.deepEqual([added, added2], [2, 1], 'sadd counts new members (u32)');
    assert.deepEqual((members as string[]).sort(), ['x', 'y', 'z']);
    assert.equal(removed, 1);
    assert.equal(deleted, 2);
    assert.equal(gone, null);
  });

  test('publish reaches a real subscriber', async () => {
    const sub = createClient({ url: redis.url });
    await sub.connect();
    try {
      const message = new Promise<string>((resolve) => void sub.subscribe('news', (m) => resolve(m)));
      await new Promise((r) => setTimeout(r, 100));
      assert.deepEqual(ok(await exec('r', redis.url, [{ op: 'publish', channel: 'news', payload: 'extra!' }])), [null]);
      assert.equal(await message, 'extra!');
    } finally {
      sub.destroy();
    }
  });

  test('execute: int64 and binary arguments; nil, status, int64 and binary results; nested arrays flattened', async () => {
    const [set, incr, mget, scan] = ok(
      await exec('r', redis.url, [
        { op: 'execute', command: 'SET', args: [{ binary: 'e' }, { int64: '41' }] },
        { op: 'execute', command: 'INCRBY', args: [{ binary: 'e' }, { int64: '-9223372036854775000' }] },
        { op: 'execute', command: 'MGET', args: [{ binary: 'e' }, { binary: 'nothing' }] },
        { op: 'execute', command: 'SCAN', args: [{ int64: '0' }, { binary: 'MATCH' }, { binary: 'e' }] },
      ]),
    );
    assert.deepEqual(set, [{ tag: 'status', val: 'OK' }]);
    assert.deepEqual(incr, [{ tag: 'int64', val: '-9223372036854774959' }]);
    assert.deepEqual(mget, [{ tag: 'binary', val: '-9223372036854774959' }, { tag: 'nil' }]);
    // SCAN replies [cursor, [keys]]: Spin flattens it to cursor, keys.
    assert.deepEqual(scan, [
      { tag: 'binary', val: '0' },
      { tag: 'binary', val: 'e' },
    ]);
    const bad = await exec('r', redis.url, [{ op: 'execute', command: 'NOSUCHCOMMAND', args: [] }]);
    assert.equal(bad.error?.tag, 'other', JSON.stringify(bad));
    assert.match(bad.error!.val!, /unknown command/i);
  });

  test('a key of the wrong type is type-error (incr on a set or on text, sadd on a string), logged with Redis’s reason', async () => {
    ok(
      await exec('r', redis.url, [
        { op: 'sadd', key: 'aset', values: ['m'] },
        { op: 'set', key: 'text', value: 'abc' },
      ]),
    );
    for (const steps of [
      [{ op: 'incr', key: 'aset' }],
      [{ op: 'incr', key: 'text' }],
      [{ op: 'sadd', key: 'text', values: ['v'] }],
      [{ op: 'smembers', key: 'text' }],
    ]) {
      const r = await exec('r', redis.url, steps);
      assert.equal(r.status, 400, JSON.stringify(r));
      assert.deepEqual(r.error, { tag: 'type-error' }, JSON.stringify(steps));
    }
    assert.match(spin.output(), /outbound-redis: incr failed: Redis at redis:\/\/127\.0\.0\.1:\d+\/? ?: ?WRONGTYPE/);
  });

  test('an address allowed_outbound_hosts does not allow is invalid-address at open, with a log line naming the entry; so is one that is not redis://', async () => {
    const denied = await exec('nohost', redis.url, [{ op: 'get', key: 'k' }]);
    assert.deepEqual(denied, { status: 400, error: { tag: 'invalid-address' }, step: -1 });
    assert.match(
      spin.output(),
      new RegExp(
        `outbound-redis: component 'nohost' may not connect to redis://127\\.0\\.0\\.1:${new URL(redis.url).port}/?\\. To allow it, add "${redis.url}"`,
      ),
    );
    for (const address of ['not a url', 'http://127.0.0.1:80', `redis://127.0.0.1:${new URL(redis.url).port}/notadb`]) {
      const r = await exec('r', address, [{ op: 'get', key: 'k' }]);
      assert.deepEqual(r, { status: 400, error: { tag: 'invalid-address' }, step: -1 }, address);
    }
    assert.match(spin.output(), /outbound-redis: open: "\(an invalid Redis address\)" is not a redis:\/\/ or rediss:\/\/ address/);
  });

  test('nothing listening at an allowed address is other(...) at open, naming the address', async () => {
    const r = await exec('r', `redis://127.0.0.1:${otherPort}`, [{ op: 'get', key: 'k' }]);
    assert.equal(r.status, 400, JSON.stringify(r));
    assert.equal(r.error?.tag, 'other');
    assert.match(r.error!.val!, new RegExp(`cannot connect to Redis at redis://127\\.0\\.0\\.1:${otherPort}`));
  });

  test('one instance holds at most 1024 open connections (too-many-connections past it); the next request opens again', async () => {
    const full = await exec('r', redis.url, [{ op: 'get', key: 'k' }], { connections: 1024 });
    assert.equal(full.status, 200, JSON.stringify(full).slice(0, 300));
    const over = await exec('r', redis.url, [{ op: 'get', key: 'k' }], { connections: 1025 });
    assert.deepEqual(over, { status: 400, error: { tag: 'too-many-connections' }, step: -1 });
    assert.equal(ok(await exec('r', redis.url, [{ op: 'incr', key: 'after-full' }]))[0], '1');
  });

  test('a guest opening connections to many distinct addresses makes the host hold at most 32 Redis clients', async () => {
    const before = await connectedClients();
    // 48 spellings of one allowed server: each is its own client on the host.
    const addresses = Array.from({ length: 48 }, (_, i) => `${redis.url}/?spelling=${i}`);
    const r = await exec('r', redis.url, [{ op: 'incr', key: 'many' }], { addresses });
    assert.equal(r.status, 200, JSON.stringify(r));
    let now = await connectedClients();
    for (let i = 0; i < 20 && now > 33; i++) {
      await new Promise((res) => setTimeout(res, 100));
      now = await connectedClients();
    }
    // The host's clients (at most 32) and the one counting them.
    assert.ok(now <= 33, `Redis counts ${now} clients (it counted ${before} before)`);
  });

  test('Redis down: open and calls are other(...) naming it, one log line; the first request after it is back succeeds, one log line', async () => {
    const port = Number(new URL(redis.url).port);
    ok(await exec('r', redis.url, [{ op: 'set', key: 'k', value: 'before' }]));
    await redis.stop();
    for (let i = 0; i < 3; i++) {
      const r = await exec('r', redis.url, [{ op: 'get', key: 'k' }]);
      assert.equal(r.error?.tag, 'other', JSON.stringify(r));
      assert.match(r.error!.val!, new RegExp(`cannot connect to Redis at redis://127\\.0\\.0\\.1:${port}`));
    }
    redis = await startRedis(port);
    assert.deepEqual(
      ok(
        await exec('r', redis.url, [
          { op: 'set', key: 'k', value: 'after' },
          { op: 'get', key: 'k' },
        ]),
      ),
      [null, 'after'],
    );
    const lines = spin.output().split('\n');
    const down = lines.filter((l) => new RegExp(`outbound-redis: Redis at redis://127\\.0\\.0\\.1:${port}/? is unreachable`).test(l));
    const up = lines.filter((l) => new RegExp(`outbound-redis: Redis at redis://127\\.0\\.0\\.1:${port}/? answers again after`).test(l));
    assert.equal(down.length, 1, spin.output());
    assert.equal(up.length, 1, spin.output());
  });
});
