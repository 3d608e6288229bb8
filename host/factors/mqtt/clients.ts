/**
 * MQTT clients for guests, through the mqtt package: one client per session (address, user,
 * password, keep-alive) that guests publish on, connected on first use and kept for the
 * requests after. A guest's `open` costs the host nothing; what guests can make it hold is one
 * client per distinct session, and at most MAX_CLIENTS of them are kept: a new one past that
 * closes the least recently used idle one, and with every one busy it is `too-many-connections`.
 *
 * A broker that is down, or refuses the login, fails the publish with `connection-failed` and
 * its reason. Nothing reconnects in the background and nothing gives up: a client whose
 * connection fails or is lost is dropped, and the next publish connects again. Each outage is
 * one log line, and its end another.
 */
import mqtt, { type MqttClient } from 'mqtt';
import { parseMqttAddress, shownMqttAddress, type MqttAddress } from './address.js';
import type { MqttError, MqttOutcome, MqttQos, MqttSession } from './api.js';

export const MAX_CLIENTS = 32;
/** How long connecting may take, and how long a publish waits for its acknowledgement. */
export const CONNECT_TIMEOUT_MS = 5_000;
export const PUBLISH_TIMEOUT_MS = 10_000;

const QOS = { 'at-most-once': 0, 'at-least-once': 1, 'exactly-once': 2 } as const;

interface Entry {
  client: MqttClient;
  connected: Promise<MqttClient>;
  running: number;
  last: number;
  /** Set once the connection is lost or the client closed: the next publish makes a new one. */
  dead: boolean;
}

const failure = (error: MqttError): { ok: false; error: MqttError } => ({ ok: false, error });

export class MqttClients {
  private readonly clients = new Map<string, Entry>();
  /** Brokers (scheme://host:port) that are down, with when the outage was noticed. */
  private readonly down = new Map<string, number>();

  constructor(
    private readonly log: (line: string) => void = () => {},
    private readonly onFailure: (component: string, reason: string) => void = () => {},
  ) {}

  private connect(key: string, session: MqttSession, a: MqttAddress): Entry {
    // Outages are the broker's, whichever session noticed.
    const broker = `${a.tls ? 'mqtts' : 'mqtt'}://${a.host}:${a.effectivePort}`;
    const client = mqtt.connect({
      protocol: a.tls ? 'mqtts' : 'mqtt',
      host: a.host.replace(/^\[|\]$/g, ''),
      port: a.effectivePort,
      clientId: a.clientId,
      clean: a.cleanSession,
      keepalive: session.keepAliveSecs,
      // An empty user name is an anonymous login.
      ...(session.username ? { username: session.username, password: session.password } : {}),
      protocolVersion: 4,
      reconnectPeriod: 0,
      connectTimeout: CONNECT_TIMEOUT_MS,
    });
    const entry: Entry = { client, connected: undefined as never, running: 0, last: Date.now(), dead: false };
    /** Drops the client; whether it was still wanted (not closed on purpose). */
    const forget = (): boolean => {
      const wanted = !entry.dead;
      entry.dead = true;
      if (this.clients.get(key) === entry) this.clients.delete(key);
      // Ends it for good: publishes still waiting get their callback with an error.
      client.end(true);
      return wanted;
    };
    entry.connected = new Promise<MqttClient>((resolve, reject) => {
      let ready = false;
      client.on('connect', () => {
        ready = true;
        this.noteUp(broker);
        resolve(client);
      });
      client.on('error', (err) => {
        if (ready) return;
        forget();
        // A refused login (a CONNACK reason code) is no outage.
        if (typeof (err as { code?: unknown }).code !== 'number') this.noteDown(broker, err.message);
        reject(err);
      });
      client.on('close', () => {
        if (forget() && ready) this.noteDown(broker, 'the connection was lost');
        else reject(new Error('the connection closed before the broker accepted it'));
      });
    });
    // A rejection no publish is waiting on yet is still handled.
    entry.connected.catch(() => {});
    return entry;
  }

  /** Room for one more client: closes the least recently used idle one past MAX_CLIENTS. */
  private makeRoom(): boolean {
    if (this.clients.size < MAX_CLIENTS) return true;
    let oldest: [string, Entry] | undefined;
    for (const kv of this.clients) if (kv[1].running === 0 && (!oldest || kv[1].last < oldest[1].last)) oldest = kv;
    if (!oldest) return false;
    this.clients.delete(oldest[0]);
    oldest[1].dead = true;
    oldest[1].client.end(true);
    return true;
  }

  async publish(component: string, session: MqttSession, topic: string, payload: Uint8Array, qos: MqttQos): Promise<MqttOutcome<null>> {
    const shown = shownMqttAddress(session.address);
    const fail = (error: MqttError, reason: string) => {
      this.onFailure(component, reason);
      return failure(error);
    };
    let a: MqttAddress;
    try {
      a = parseMqttAddress(session.address);
    } catch (err) {
      return fail({ tag: 'invalid-address' }, `${shown}: ${(err as Error).message}`);
    }
    const key = JSON.stringify([session.address, session.username, session.password, session.keepAliveSecs]);
    let entry = this.clients.get(key);
    if (!entry || entry.dead) {
      if (!this.makeRoom()) return fail({ tag: 'too-many-connections' }, `${MAX_CLIENTS} MQTT sessions are in use at once`);
      entry = this.connect(key, session, a);
      this.clients.set(key, entry);
    }
    entry.running++;
    entry.last = Date.now();
    try {
      let client: MqttClient;
      try {
        client = await entry.connected;
      } catch (err) {
        const reason = `cannot connect to the MQTT broker at ${shown}: ${(err as Error).message}`;
        return fail({ tag: 'connection-failed', val: reason }, reason);
      }
      const sent = await new Promise<Error | undefined>((resolve) => {
        const timer = setTimeout(() => resolve(new Error(`no acknowledgement within ${PUBLISH_TIMEOUT_MS / 1000} s`)), PUBLISH_TIMEOUT_MS);
        client.publish(topic, Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength), { qos: QOS[qos] }, (err) => {
          clearTimeout(timer);
          resolve(err ?? undefined);
        });
      });
      if (sent) {
        const reason = `publishing to the MQTT broker at ${shown} failed: ${sent.message}`;
        return fail({ tag: 'connection-failed', val: reason }, reason);
      }
      return { ok: true, value: null };
    } finally {
      entry.running--;
    }
  }

  private noteDown(broker: string, why: string): void {
    if (this.down.has(broker)) return;
    this.down.set(broker, Date.now());
    this.log(`mqtt: the broker at ${broker} is unreachable (${why}); publishes to it fail until it answers again`);
  }

  private noteUp(broker: string): void {
    const since = this.down.get(broker);
    if (since === undefined) return;
    this.down.delete(broker);
    this.log(`mqtt: the broker at ${broker} answers again after ${((Date.now() - since) / 1000).toFixed(1)} s`);
  }

  async close(): Promise<void> {
    const all = [...this.clients.values()];
    this.clients.clear();
    for (const e of all) e.dead = true;
    await Promise.all(all.map((e) => new Promise<void>((resolve) => e.client.end(true, {}, () => resolve()))));
  }
}
