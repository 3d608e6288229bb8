/**
 * Spin 2's Redis (get/set) and MQTT (publish at QoS 1) per second through a guest beside the
 * same library called directly in the bench process, same run: js-redis2 makes N sequential
 * calls on one `connection` in one request (each a bridge round trip to node-redis on the main
 * thread); js-mqtt publishes N messages on one `connection` (each waits for its PUBACK), beside
 * node-redis and the mqtt package on one connection each. Real redis-server and Mosquitto on loopback.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { createClient } from 'redis';
import { haveMosquitto, startMosquitto } from '../test/support/mosquitto.js';
import { haveRedis, startRedis } from '../test/support/redis.js';
import { CLI, fmt, guestPath, startServer } from './support.js';

const N = Number(process.env.BENCH_REDIS2_MQTT_OPS ?? 2000);
const VALUE = 'x'.repeat(100);
/** Untimed calls first on each path: connections, JIT, the guest's instance. */
const WARM = 300;

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await fn();
  return N / ((performance.now() - t) / 1000);
}

async function post(url: string, body: object): Promise<void> {
  const res = await fetch(url, { method: 'POST', body: JSON.stringify(body) });
  const reply = (await res.json()) as { error?: unknown; trap?: unknown };
  if (res.status !== 200) throw new Error(JSON.stringify(reply));
}

export async function benchRedis2Mqtt(): Promise<{ markdown: string }> {
  const redis = haveRedis() ? await startRedis() : undefined;
  const broker = haveMosquitto() ? await startMosquitto() : undefined;
  const dir = await mkdtemp(join(tmpdir(), 'spin-ts-bench-redis2-mqtt-'));
  const hosts = [redis?.url, broker && `mqtt://127.0.0.1:${broker.port}`].filter(Boolean).map((h) => `"${h}"`);
  await writeFile(
    join(dir, 'spin.toml'),
    `spin_manifest_version = 2
[application]
name = "redis2-mqtt-bench"
[[trigger.http]]
route = "/redis/..."
component = "redis"
[[trigger.http]]
route = "/mqtt/..."
component = "mqtt"
[component.redis]
source = "${guestPath('js-redis2')}"
allowed_outbound_hosts = [${hosts.join(', ')}]
[component.mqtt]
source = "${guestPath('js-mqtt')}"
allowed_outbound_hosts = [${hosts.join(', ')}]
`,
  );
  const server = await startServer([CLI, 'up', '-f', join(dir, 'spin.toml'), '--listen', '127.0.0.1:0', '--workers', '1', '-q']);
  const rows: string[] = [];
  const row = (what: string, perSecond: number, direct?: number) =>
    rows.push(`| ${what} | ${fmt(perSecond, 0)} | ${direct ? fmt(perSecond / direct, 3) : '1'} |`);
  try {
    if (redis) {
      const client = createClient({ url: redis.url });
      await client.connect();
      for (let i = 0; i < WARM; i++) await client.set(`w${i}`, VALUE);
      const directSet = await timed(async () => {
        for (let i = 0; i < N; i++) await client.set(`d${i}`, VALUE);
      });
      const directGet = await timed(async () => {
        for (let i = 0; i < N; i++) await client.get(`d${i}`);
      });
      client.destroy();
      const exec = (steps: object[]) => post(`${server.url}/redis/exec`, { address: redis.url, steps });
      await exec(Array.from({ length: WARM }, (_, i) => ({ op: 'set', key: `w${i}`, value: VALUE }))); // instance, client, JIT
      const guestSet = await timed(() => exec(Array.from({ length: N }, (_, i) => ({ op: 'set', key: `g${i}`, value: VALUE }))));
      const guestGet = await timed(() => exec(Array.from({ length: N }, (_, i) => ({ op: 'get', key: `g${i}` }))));
      row('Redis set: node-redis called directly', directSet);
      row('Redis set: js-redis2 (fermyon:spin/redis@2.0.0 connection.set)', guestSet, directSet);
      row('Redis get: node-redis called directly', directGet);
      row('Redis get: js-redis2 (connection.get)', guestGet, directGet);
    }
    if (broker) {
      const address = `mqtt://127.0.0.1:${broker.port}?client_id=bench-guest`;
      const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${broker.port}`, { clientId: 'bench-direct', reconnectPeriod: 0 });
      const payload = Buffer.from(VALUE);
      for (let i = 0; i < WARM; i++) await client.publishAsync('bench', payload, { qos: 1 });
      const direct = await timed(async () => {
        for (let i = 0; i < N; i++) await client.publishAsync('bench', payload, { qos: 1 });
      });
      await client.endAsync();
      const publish = (n: number) =>
        post(`${server.url}/mqtt/publish`, {
          address,
          keepAlive: 30,
          messages: Array.from({ length: n }, () => ({ topic: 'bench', payload: VALUE, qos: 'at-least-once' })),
        });
      await publish(WARM); // instance, client, JIT
      const guest = await timed(() => publish(N));
      row('MQTT publish QoS 1: the mqtt package called directly', direct);
      row('MQTT publish QoS 1: js-mqtt (fermyon:spin/mqtt@2.0.0 connection.publish)', guest, direct);
    }
  } finally {
    await server.stop();
    await redis?.stop();
    await broker?.stop();
  }
  const markdown = [
    `| operation and path (${N} sequential calls on one connection, 100-byte values) | calls/s | ÷ direct |`,
    '| --- | ---: | ---: |',
    ...rows,
  ].join('\n');
  return { markdown };
}
