/**
 * The Redis trigger end to end: `spin-ts up` subscribes at a real redis-server (started here on
 * a free loopback port) and hands each message to guest-examples/js-redis-trigger, which
 * appends it to a Redis list (through outbound Redis) that the test reads back. Messages of a
 * channel arrive in order, one at a time, at every component on it; a trapping handler and an
 * error result are logged and the next message still goes out; a lost connection is retried
 * and resubscribed; an app of Redis triggers only listens for no HTTP.
 */
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import { createClient } from 'redis';
import { haveRedis, startRedis, type RunningRedis } from './support/redis.js';
import { guest, runCli, spawnUntilServing, writeApp, type RunningSpin } from './support/spin.js';

const skip = haveRedis() ? false : 'redis-server is not installed (apt-get install -y redis-server)';
const HANDLER = guest('js-redis-trigger');

type Client = ReturnType<typeof createClient>;

/** `spin-ts up` on a Redis-only app: ready once it prints its channels (there is no "Serving" line to wait for). */
function upRedis(manifest: string, env: NodeJS.ProcessEnv = {}): Promise<RunningSpin> {
  return spawnUntilServing(['up', '-f', manifest, '--workers', '4'], /Active Channels on (redis:\/\/\S+):/, 'spin-ts up', { env });
}

/** A handler component: appends `<label>:<message>` to `list`. */
function handler(id: string, redisUrl: string, list: string, label: string): string {
  return `[component.${id}]
source = "${HANDLER}"
environment = { REDIS_URL = "${redisUrl}", OUT_LIST = "${list}", LABEL = "${label}" }
allowed_outbound_hosts = ["${redisUrl}"]
`;
}

/** Waits until `list` holds `n` entries (or the deadline passes) and returns them. */
async function listOf(client: Client, list: string, n: number, timeoutMs = 30_000): Promise<string[]> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const got = await client.lRange(list, 0, -1);
    if (got.length >= n || Date.now() > until) return got;
    await sleep(50);
  }
}

async function waitForOutput(spin: RunningSpin, pattern: RegExp, timeoutMs = 20_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!pattern.test(spin.output())) {
    if (Date.now() > until) assert.fail(`no ${pattern} in the output:\n${spin.output()}`);
    await sleep(50);
  }
}

describe('the Redis trigger', { skip }, () => {
  let redis: RunningRedis;
  let client: Client;
  before(async () => {
    redis = await startRedis();
    client = createClient({ url: redis.url });
    client.on('error', () => {});
    await client.connect();
  });
  after(async () => {
    client?.destroy();
    await redis?.stop();
  });

  test('100 messages arrive in order at every component on the channel, one at a time, and nothing listens for HTTP', { timeout: 120_000 }, async () => {
    const manifest = await writeApp(`spin_manifest_version = 2
[application]
name = "redis-order"
[application.trigger.redis]
address = "${redis.url}"
[[trigger.redis]]
channel = "orders"
component = "first"
[[trigger.redis]]
channel = "orders"
component = "second"
[[trigger.redis]]
channel = "other"
component = "third"
${handler('first', redis.url, 'order-out', 'a')}
${handler('second', redis.url, 'order-out', 'b')}
${handler('third', redis.url, 'order-other', 'c')}
`);
    const spin = await upRedis(manifest);
    try {
      await waitForOutput(spin, /\/other: \[third\]/);
      assert.match(spin.output(), new RegExp(`${redis.url.replaceAll('.', '\\.')}/orders: \\[first,second\\]`));
      assert.doesNotMatch(spin.output(), /Serving http/, 'an app of Redis triggers only has no HTTP listener');
      // Every 10th message makes its handler wait 30 ms: with 4 workers, a later message
      // handed out before it finished would be appended first.
      const sent = Array.from({ length: 100 }, (_, i) => (i % 10 === 0 ? `slow:30` : `m${i}`));
      for (const m of sent) await client.publish('orders', m);
      await client.publish('other', 'elsewhere');
      const got = await listOf(client, 'order-out', 200);
      assert.equal(got.length, 200, `every message reached both components: ${got.length}`);
      assert.deepEqual(
        got.filter((e) => e.startsWith('a:')),
        sent.map((m) => `a:${m}`),
        'component first saw them in order',
      );
      assert.deepEqual(
        got.filter((e) => e.startsWith('b:')),
        sent.map((m) => `b:${m}`),
        'component second saw them in order',
      );
      assert.deepEqual(await listOf(client, 'order-other', 1), ['c:elsewhere'], 'the other channel went to its own component only');
    } finally {
      await spin.stop();
    }
  });

  test('a handler that traps, or returns its error, is logged, and the next message is still delivered', { timeout: 120_000 }, async () => {
    const manifest = await writeApp(`spin_manifest_version = 2
[application]
name = "redis-trap"
[[trigger.redis]]
address = "${redis.url}"
channel = "jobs"
component = "worker"
${handler('worker', redis.url, 'trap-out', 'w')}
`);
    const spin = await upRedis(manifest);
    try {
      for (const m of ['one', 'trap', 'two', 'fail', 'three']) await client.publish('jobs', m);
      assert.deepEqual(await listOf(client, 'trap-out', 3), ['w:one', 'w:two', 'w:three']);
      await waitForOutput(spin, /\[worker\] Redis handler returned an error/);
      const out = spin.output();
      assert.match(out, /\[worker\] Redis handler failed on a message on channel "jobs": guest trapped[^\n]*; the next message is still delivered/);
      assert.match(out, /\[worker\] Redis handler returned an error \(error\) for a message on channel "jobs"/);
    } finally {
      await spin.stop();
    }
  });

  test(
    'a Spin 1.x manifest: trigger = { type = "redis", address } with a {{ variable }} address, channel in each component',
    { timeout: 120_000 },
    async () => {
      const port = new URL(redis.url).port;
      const manifest = await writeApp(`spin_manifest_version = "1"
name = "redis-v1"
trigger = { type = "redis", address = "redis://127.0.0.1:{{ redis_port }}" }
[variables]
redis_port = { required = true }
[[component]]
id = "echo"
source = "${HANDLER}"
environment = { REDIS_URL = "${redis.url}", OUT_LIST = "v1-out" }
allowed_outbound_hosts = ["${redis.url}"]
[component.trigger]
channel = "v1-channel"
`);
      const spin = await upRedis(manifest, { SPIN_VARIABLE_REDIS_PORT: port });
      try {
        await waitForOutput(spin, /\/v1-channel: \[echo\]/);
        await client.publish('v1-channel', 'hello');
        assert.deepEqual(await listOf(client, 'v1-out', 1), ['hello']);
      } finally {
        await spin.stop();
      }
    },
  );

  test('a lost connection is logged, retried and resubscribed: messages published after it is back arrive', { timeout: 120_000 }, async () => {
    const own = await startRedis();
    const port = Number(new URL(own.url).port);
    const manifest = await writeApp(`spin_manifest_version = 2
[application]
name = "redis-reconnect"
[application.trigger.redis]
address = "${own.url}"
[[trigger.redis]]
channel = "events"
component = "sink"
${handler('sink', redis.url, 'reconnect-out', 's')}
`);
    const spin = await upRedis(manifest);
    let current = own;
    try {
      const ownClient = () => {
        const c = createClient({ url: current.url });
        c.on('error', () => {});
        return c;
      };
      let pub = ownClient();
      await pub.connect();
      await pub.publish('events', 'before');
      assert.deepEqual(await listOf(client, 'reconnect-out', 1), ['s:before']);
      pub.destroy();

      await current.stop();
      await waitForOutput(spin, /redis trigger: lost the connection to redis:\/\/127\.0\.0\.1:\d+ \([^)]*\); reconnecting/);
      await sleep(500);
      current = await startRedis(port);
      await waitForOutput(spin, /redis trigger: reconnected to redis:\/\/127\.0\.0\.1:\d+ after [\d.]+ s and subscribed again to events/);
      pub = ownClient();
      await pub.connect();
      await pub.publish('events', 'after');
      pub.destroy();
      assert.deepEqual(await listOf(client, 'reconnect-out', 2), ['s:before', 's:after']);
    } finally {
      await spin.stop();
      await current.stop();
    }
  });

  test('an app with HTTP and Redis triggers runs both', { timeout: 120_000 }, async () => {
    const manifest = await writeApp(`spin_manifest_version = 2
[application]
name = "redis-and-http"
[application.trigger.redis]
address = "${redis.url}"
[[trigger.redis]]
channel = "mixed"
component = "sink"
[[trigger.http]]
route = "/hello"
component = "hello"
${handler('sink', redis.url, 'mixed-out', 'm')}
[component.hello]
source = "${guest('js-hello')}"
`);
    const spin = await spawnUntilServing(['up', '-f', manifest, '--listen', '127.0.0.1:0', '--workers', '2'], /Serving (http:\/\/[^\s]+)/, 'spin-ts up');
    try {
      await waitForOutput(spin, /\/mixed: \[sink\]/);
      assert.equal((await fetch(`${spin.url}/hello`)).status, 200);
      await client.publish('mixed', 'both');
      assert.deepEqual(await listOf(client, 'mixed-out', 1), ['m:both']);
    } finally {
      await spin.stop();
    }
  });

  test('Redis unreachable at start: start fails naming the address, as Spin does', { timeout: 60_000 }, async () => {
    const gone = await startRedis();
    await gone.stop();
    const manifest = await writeApp(`spin_manifest_version = 2
[application]
name = "redis-down"
[application.trigger.redis]
address = "${gone.url}"
[[trigger.redis]]
channel = "x"
component = "sink"
${handler('sink', gone.url, 'never', 's')}
`);
    const r = await runCli(['up', '-f', manifest]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, new RegExp(`the Redis trigger cannot subscribe at ${gone.url.replaceAll('.', '\\.')}`));
  });
});

describe('Redis trigger manifest errors stop `spin-ts up` with the field and its line', () => {
  const component = `[component.hello]\nsource = "${HANDLER}"\n`;
  const app = (body: string) =>
    `spin_manifest_version = 2\n[application]\nname = "bad"\n[application.trigger.redis]\naddress = "redis://127.0.0.1:6379"\n${body}`;

  async function fails(toml: string, where: RegExp, problem: RegExp): Promise<void> {
    const r = await runCli(['up', '-f', await writeApp(toml)]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, where);
    assert.match(r.stderr, problem);
    assert.doesNotMatch(r.stderr, /\n\s+at .*\(.*:\d+:\d+\)/, 'no stack trace');
  }

  test('a trigger without channel', () =>
    fails(app(`[[trigger.redis]]\ncomponent = "hello"\n${component}`), /trigger\.redis\[0\]\.channel \(line 6\b/, /missing required key "channel"/));

  test('a trigger naming an unknown component', () =>
    fails(
      app(`[[trigger.redis]]\nchannel = "c"\ncomponent = "helo"\n${component}`),
      /trigger\.redis\[0\]\.component \(line 8\b/,
      /no component named "helo"; known components: hello/,
    ));

  test('an unknown key in a trigger (Spin denies unknown fields too)', () =>
    fails(
      app(`[[trigger.redis]]\nchannel = "c"\ncomponent = "hello"\nroute = "/x"\n${component}`),
      /trigger\.redis\[0\]\.route \(line 9\b/,
      /unknown key "route"/,
    ));

  test('no address anywhere', () =>
    fails(
      `spin_manifest_version = 2\n[application]\nname = "bad"\n[[trigger.redis]]\nchannel = "c"\ncomponent = "hello"\n${component}`,
      /trigger\.redis\[0\]/,
      /this Redis trigger has no address to subscribe at/,
    ));

  test('an address that is no Redis URL', () =>
    fails(
      `spin_manifest_version = 2\n[application]\nname = "bad"\n[application.trigger.redis]\naddress = "http://127.0.0.1:6379"\n[[trigger.redis]]\nchannel = "c"\ncomponent = "hello"\n${component}`,
      /application\.trigger\.redis\.address \(line 5\b/,
      /scheme "http" is not a Redis scheme/,
    ));

  test('an address template naming no variable', () =>
    fails(
      app(`[[trigger.redis]]\nchannel = "{{ chan }}"\ncomponent = "hello"\n${component}`),
      /trigger\.redis\[0\]\.channel \(line 7\b/,
      /no application variable "chan"/,
    ));

  test('a v1 component without its trigger table', () =>
    fails(
      `spin_manifest_version = "1"\nname = "x"\ntrigger = { type = "redis", address = "redis://127.0.0.1:6379" }\n[[component]]\nid = "a"\nsource = "${HANDLER}"\n`,
      /component\[0\]\.trigger/,
      /component "a" has no trigger/,
    ));

  test('a component under HTTP and Redis triggers both is refused', () =>
    fails(
      app(`[[trigger.redis]]\nchannel = "c"\ncomponent = "hello"\n[[trigger.http]]\nroute = "/"\ncomponent = "hello"\n${component}`),
      /hello/,
      /named by triggers of types redis and http/,
    ));

  test('a component that does not export inbound-redis', () =>
    fails(
      app(`[[trigger.redis]]\nchannel = "c"\ncomponent = "hello"\n[component.hello]\nsource = "${guest('js-hello')}"\n`),
      /hello/,
      /does not export fermyon:spin\/inbound-redis/,
    ));
});
