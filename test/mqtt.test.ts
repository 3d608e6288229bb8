/**
 * Spin 2's outbound MQTT (`fermyon:spin/mqtt@2.0.0`) through a real component (js-mqtt over
 * wasi:http) served by `spin-ts up` against real Mosquitto brokers (Debian's mosquitto), one
 * anonymous and one with a password file: messages at QoS 0, 1 and 2 reach a real subscriber
 * (the mqtt package), a refused login and a denied host are connection-failed, an address that
 * is no MQTT address is invalid-address, a broker that is down is connection-failed until it is
 * back, and what a guest can make the host hold is bounded.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import mqtt from 'mqtt';
import { haveMosquitto, startMosquitto, type RunningMosquitto } from './support/mosquitto.js';
import { freePort } from './support/ports.js';
import { guest, startSpin, writeApp, type RunningSpin } from './support/spin.js';

interface Message {
  topic: string;
  payload: string;
  qos?: 'at-most-once' | 'at-least-once' | 'exactly-once';
}
interface Reply {
  status: number;
  published?: number;
  error?: { tag: string; val?: string };
  message?: number;
  trap?: string;
}
interface Publish {
  address: string;
  username?: string;
  password?: string;
  keepAlive?: number;
  connections?: number;
  messages: Message[];
}

const CREDENTIALS = { username: 'spin', password: 's3cret' };

let anon: RunningMosquitto;
let auth: RunningMosquitto;
let spin: RunningSpin;
let deadPort: number;

async function publish(component: string, req: Publish): Promise<Reply> {
  const res = await fetch(`${spin.url}/${component}/publish`, { method: 'POST', body: JSON.stringify({ keepAlive: 30, ...req }) });
  const text = await res.text();
  try {
    return { status: res.status, ...(JSON.parse(text) as object) };
  } catch {
    return { status: res.status, trap: text };
  }
}

const at = (broker: RunningMosquitto | number, clientId = 'spin-ts-test') =>
  `mqtt://127.0.0.1:${typeof broker === 'number' ? broker : broker.port}?client_id=${clientId}`;

/** Established connections a broker's port has accepted (its side of each socket), from /proc/net/tcp. */
function brokerConnections(port: number): number {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  return readFileSync('/proc/net/tcp', 'utf8')
    .split('\n')
    .slice(1)
    .filter((l) => {
      const f = l.trim().split(/\s+/);
      return f[1]?.endsWith(`:${hexPort}`) && f[3] === '01';
    }).length;
}

/** A real subscriber on `broker`, at QoS 2 (so each message arrives at the QoS it was published with). */
async function subscriber(broker: RunningMosquitto, topic: string, options: mqtt.IClientOptions = {}) {
  const client = await mqtt.connectAsync(broker.url, { clientId: `sub-${Math.random().toString(36).slice(2)}`, reconnectPeriod: 0, ...options });
  const got: Array<{ topic: string; payload: string; qos: number }> = [];
  client.on('message', (t, payload, packet) => got.push({ topic: t, payload: payload.toString(), qos: packet.qos }));
  await client.subscribeAsync(topic, { qos: 2 });
  return {
    got,
    async waitFor(n: number) {
      const end = Date.now() + 10_000;
      while (got.length < n && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
      return got;
    },
    end: () => client.endAsync(),
  };
}

describe('mqtt@2.0.0', { skip: !haveMosquitto() && 'mosquitto is not installed (apt-get install -y mosquitto mosquitto-clients)' }, () => {
  before(async () => {
    [anon, auth] = await Promise.all([startMosquitto(), startMosquitto({ credentials: CREDENTIALS })]);
    deadPort = await freePort();
    const manifest = await writeApp(`spin_manifest_version = 2
[application]
name = "mqtt"
[[trigger.http]]
route = "/m/..."
component = "m"
[[trigger.http]]
route = "/nohost/..."
component = "nohost"
[component.m]
source = "${guest('js-mqtt')}"
allowed_outbound_hosts = ["mqtt://127.0.0.1:${anon.port}", "mqtt://127.0.0.1:${auth.port}", "mqtt://127.0.0.1:${deadPort}"]
[component.nohost]
source = "${guest('js-mqtt')}"
allowed_outbound_hosts = ["mqtt://127.0.0.1:${deadPort}"]
`);
    spin = await startSpin(['-f', manifest, '--workers', '2']);
  });
  after(async () => {
    await spin?.stop();
    await anon?.stop();
    await auth?.stop();
  });

  test('messages at QoS 0, 1 and 2 reach a real subscriber, in order, at their QoS', async () => {
    const sub = await subscriber(anon, 'sensors/#');
    try {
      const r = await publish('m', {
        address: at(anon),
        messages: [
          { topic: 'sensors/a', payload: 'zero', qos: 'at-most-once' },
          { topic: 'sensors/b', payload: 'one', qos: 'at-least-once' },
          { topic: 'sensors/c', payload: 'two', qos: 'exactly-once' },
        ],
      });
      assert.deepEqual(r, { status: 200, published: 3 });
      assert.deepEqual(await sub.waitFor(3), [
        { topic: 'sensors/a', payload: 'zero', qos: 0 },
        { topic: 'sensors/b', payload: 'one', qos: 1 },
        { topic: 'sensors/c', payload: 'two', qos: 2 },
      ]);
    } finally {
      await sub.end();
    }
  });

  test('with credentials: the right ones publish; a wrong password or none is connection-failed naming the refusal', async () => {
    const sub = await subscriber(auth, 'secure', CREDENTIALS);
    try {
      const good = await publish('m', { address: at(auth), ...CREDENTIALS, messages: [{ topic: 'secure', payload: 'in', qos: 'at-least-once' }] });
      assert.deepEqual(good, { status: 200, published: 1 });
      assert.deepEqual(await sub.waitFor(1), [{ topic: 'secure', payload: 'in', qos: 1 }]);
      for (const creds of [{ username: 'spin', password: 'wrong' }, {}]) {
        const bad = await publish('m', { address: at(auth, 'intruder'), ...creds, messages: [{ topic: 'secure', payload: 'x', qos: 'at-least-once' }] });
        assert.equal(bad.status, 400, JSON.stringify(bad));
        assert.equal(bad.error?.tag, 'connection-failed');
        assert.match(bad.error!.val!, new RegExp(`cannot connect to the MQTT broker at mqtt://127\\.0\\.0\\.1:${auth.port}.*Not authorized`));
        assert.equal(bad.message, 0, 'open succeeds (Spin connects on publish); the publish fails');
      }
      assert.equal(sub.got.length, 1, 'nothing from the refused logins arrived');
      assert.match(spin.output(), /mqtt: component 'm': publish failed: cannot connect to the MQTT broker at .*Not authorized/);
    } finally {
      await sub.end();
    }
  });

  test('a host allowed_outbound_hosts does not allow is connection-failed ("not permitted") at open, logged naming the entry, and nothing connects', async () => {
    const before = brokerConnections(anon.port);
    const r = await publish('nohost', { address: at(anon), messages: [{ topic: 't', payload: 'x', qos: 'at-most-once' }] });
    assert.deepEqual(r, { status: 400, error: { tag: 'connection-failed', val: `address ${at(anon)} is not permitted` }, message: -1 });
    assert.match(
      spin.output(),
      new RegExp(
        `mqtt: component 'nohost' may not connect to mqtt://127\\.0\\.0\\.1:${anon.port}\\?client_id=spin-ts-test\\. To allow it, add "mqtt://127\\.0\\.0\\.1:${anon.port}"`,
      ),
    );
    assert.equal(brokerConnections(anon.port), before);
  });

  test('an allowed address that is no MQTT address (no client_id, a bad clean_session) is invalid-address; a keep-alive past 65535 is other', async () => {
    for (const address of [`mqtt://127.0.0.1:${anon.port}`, `mqtt://127.0.0.1:${anon.port}?client_id=c&clean_session=maybe`]) {
      const r = await publish('m', { address, messages: [] });
      assert.deepEqual(r, { status: 400, error: { tag: 'invalid-address' }, message: -1 }, address);
    }
    assert.match(spin.output(), /is not an MQTT address: no client_id/);
    const long = await publish('m', { address: at(anon), keepAlive: 65536, messages: [] });
    assert.equal(long.error?.tag, 'other', JSON.stringify(long));
  });

  test('one instance holds at most 1024 open connections (too-many-connections past it)', async () => {
    assert.deepEqual(await publish('m', { address: at(anon), connections: 1024, messages: [{ topic: 't', payload: 'x', qos: 'at-most-once' }] }), {
      status: 200,
      published: 1,
    });
    assert.deepEqual(await publish('m', { address: at(anon), connections: 1025, messages: [] }), {
      status: 400,
      error: { tag: 'too-many-connections' },
      message: -1,
    });
  });

  test('guests publishing as 48 different clients make the host hold at most 32 broker connections', async () => {
    for (let i = 0; i < 48; i++) {
      const r = await publish('m', { address: at(anon, `many-${i}`), messages: [{ topic: 'many', payload: String(i), qos: 'at-least-once' }] });
      assert.deepEqual(r, { status: 200, published: 1 });
    }
    let n = brokerConnections(anon.port);
    for (let i = 0; i < 20 && n > 32; i++) {
      await new Promise((r) => setTimeout(r, 100));
      n = brokerConnections(anon.port);
    }
    assert.ok(n <= 32, `the broker has ${n} connections`);
  });

  test('a broker that is down is connection-failed, one log line; the first publish after it is back succeeds, one log line', async () => {
    const nothing = await publish('m', { address: at(deadPort), messages: [{ topic: 't', payload: 'x', qos: 'at-least-once' }] });
    assert.equal(nothing.error?.tag, 'connection-failed', JSON.stringify(nothing));
    assert.match(nothing.error!.val!, new RegExp(`cannot connect to the MQTT broker at mqtt://127\\.0\\.0\\.1:${deadPort}.*ECONNREFUSED`));

    const port = anon.port;
    assert.deepEqual(await publish('m', { address: at(anon), messages: [{ topic: 't', payload: 'before', qos: 'at-least-once' }] }), {
      status: 200,
      published: 1,
    });
    await anon.stop();
    for (let i = 0; i < 3; i++) {
      const r = await publish('m', { address: at(port), messages: [{ topic: 't', payload: 'during', qos: 'at-least-once' }] });
      assert.equal(r.error?.tag, 'connection-failed', JSON.stringify(r));
    }
    anon = await startMosquitto({ port });
    const sub = await subscriber(anon, 't');
    try {
      assert.deepEqual(await publish('m', { address: at(anon), messages: [{ topic: 't', payload: 'after', qos: 'exactly-once' }] }), {
        status: 200,
        published: 1,
      });
      assert.deepEqual(await sub.waitFor(1), [{ topic: 't', payload: 'after', qos: 2 }]);
    } finally {
      await sub.end();
    }
    const lines = spin.output().split('\n');
    const shown = `mqtt://127\\.0\\.0\\.1:${port}`;
    assert.equal(lines.filter((l) => new RegExp(`mqtt: the broker at ${shown} is unreachable`).test(l)).length, 1, spin.output());
    assert.equal(lines.filter((l) => new RegExp(`mqtt: the broker at ${shown} answers again after \\d+\\.\\d s`).test(l)).length, 1, spin.output());
  });
});
