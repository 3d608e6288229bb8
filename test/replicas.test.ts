/**
 * Replicas: two `spin-ts up` processes of one app (guest-examples/js-replica) share one real
 * PostgreSQL and one real Redis, as Spin apps scaled past one machine do: those servers hold
 * the state, and each write a replica acknowledges must be there exactly once. Both replicas
 * are hammered at once with writes that each increment a Redis counter (outbound Redis
 * `incr`) and insert a row (fermyon:spin/postgres@2.0.0, `RETURNING id`); then the rows, the
 * ids and counter values the clients were given, and the counter itself must all agree.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createClient } from 'redis';
import { havePostgres, startPostgres, type RunningPostgres } from './support/postgres.js';
import { haveRedis, startRedis, type RunningRedis } from './support/redis.js';
import { guest, startSpin, writeApp, type RunningSpin } from './support/spin.js';

const skip = !haveRedis() ? 'redis-server is not installed' : !havePostgres() ? 'postgresql is not installed' : false;
/** Writes per replica, and how many each replica's clients have in flight at once. */
const WRITES_PER_REPLICA = Number(process.env.REPLICA_WRITES ?? 300);
const CONCURRENCY = 16;

interface Ack {
  counter: string;
  id: string;
  replica: string;
}

/** Sends `count` writes to `url`, `CONCURRENCY` at a time; returns each acknowledgement by client id, and the failures. */
async function hammer(url: string, prefix: string, count: number): Promise<{ acks: Map<string, Ack>; failures: string[] }> {
  const acks = new Map<string, Ack>();
  const failures: string[] = [];
  let next = 0;
  const lane = async () => {
    while (next < count) {
      const client = `${prefix}-${next++}`;
      try {
        const res = await fetch(`${url}/write?client=${client}`, { method: 'POST' });
        const text = await res.text();
        if (res.status === 200) acks.set(client, JSON.parse(text) as Ack);
        else failures.push(`${client}: ${res.status} ${text}`);
      } catch (err) {
        failures.push(`${client}: ${(err as Error).message}`);
      }
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, lane));
  return { acks, failures };
}

describe('two replicas of one app on one PostgreSQL and one Redis', { skip }, () => {
  let pg: RunningPostgres;
  let redis: RunningRedis;
  const replicas: RunningSpin[] = [];
  before(async () => {
    [pg, redis] = await Promise.all([startPostgres(), startRedis()]);
    pg.psql('CREATE TABLE writes (id BIGSERIAL PRIMARY KEY, replica TEXT NOT NULL, client TEXT NOT NULL, counter BIGINT NOT NULL)');
    const pgUrl = `postgres://postgres@127.0.0.1:${pg.port}/postgres`;
    const manifest = await writeApp(`spin_manifest_version = 2
[application]
name = "replicated"
[[trigger.http]]
route = "/write"
component = "replica"
[component.replica]
source = "${guest('js-replica')}"
environment = { REDIS_URL = "${redis.url}", PG_URL = "${pgUrl}", COUNTER = "writes" }
allowed_outbound_hosts = ["${redis.url}", "postgres://127.0.0.1:${pg.port}"]
`);
    // One at a time: the second finds the first one's transpile cache.
    for (const name of ['r1', 'r2'])
      replicas.push(await startSpin(['-f', manifest, '-e', `REPLICA=${name}`, '--workers', '4', '-q'], { startTimeoutMs: 180_000 }));
  });
  after(async () => {
    await Promise.all(replicas.map((r) => r.stop()));
    await pg?.remove();
    await redis?.stop();
  });

  test('every acknowledged write is found exactly once: rows, ids, counter values and the counter agree', { timeout: 300_000 }, async () => {
    const [a, b] = await Promise.all([hammer(replicas[0]!.url, 'r1', WRITES_PER_REPLICA), hammer(replicas[1]!.url, 'r2', WRITES_PER_REPLICA)]);
    assert.deepEqual([...a.failures, ...b.failures], [], 'every write was acknowledged');
    const acks = new Map([...a.acks, ...b.acks]);
    const total = 2 * WRITES_PER_REPLICA;
    assert.equal(acks.size, total);
    assert.ok(
      [...a.acks.values()].every((x) => x.replica === 'r1') && [...b.acks.values()].every((x) => x.replica === 'r2'),
      'each replica answered its own clients',
    );

    // The rows: one per acknowledged write, each with the id, replica and counter value its client was given.
    const rows = pg
      .psql('SELECT id, replica, client, counter FROM writes ORDER BY id')
      .trim()
      .split('\n')
      .map((line) => line.split('|'));
    assert.equal(rows.length, total, 'one row per acknowledged write');
    const byClient = new Map(rows.map(([id, replica, client, counter]) => [client!, { id: id!, replica: replica!, counter: counter! }]));
    assert.equal(byClient.size, total, 'no client twice');
    for (const [client, ack] of acks) assert.deepEqual(byClient.get(client), ack, `the row of ${client}`);
    assert.equal(new Set([...acks.values()].map((x) => x.id)).size, total, 'ids are unique');

    // The counter: incremented once per write, so the values handed out are exactly 1..total.
    const counters = [...acks.values()].map((x) => Number(x.counter)).sort((x, y) => x - y);
    assert.deepEqual(
      counters,
      Array.from({ length: total }, (_, i) => i + 1),
      'each counter value handed out once',
    );
    const client = createClient({ url: redis.url });
    client.on('error', () => {});
    await client.connect();
    try {
      assert.equal(await client.get('writes'), String(total), 'the counter counts every write');
    } finally {
      client.destroy();
    }
  });
});
