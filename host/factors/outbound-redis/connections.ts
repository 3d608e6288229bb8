/**
 * Redis connections for guests, through node-redis: one client per address, connected on
 * first use and kept for the process (as Spin keeps one per address). Replies are mapped
 * to the interface's types: bulk strings as bytes, integers as s64, status as text.
 */
import { createClient, RESP_TYPES } from 'redis';
import type { RedisParameter, RedisResult } from './api.js';

/** Bulk replies as bytes (Buffer), not text. */
const BYTES = { [RESP_TYPES.BLOB_STRING]: Buffer };

function makeClient(address: string) {
  let connected = false;
  const client = createClient({
    url: address,
    // A dead Redis fails the call at once rather than queueing it.
    disableOfflineQueue: true,
    socket: { connectTimeout: 3000, reconnectStrategy: (retries) => (!connected || retries > 20 ? false : Math.min(50 * 2 ** retries, 2000)) },
  }).withTypeMapping(BYTES);
  client.on('ready', () => (connected = true));
  client.on('error', () => {
    // Reported to the caller of the failing command; the event itself must be handled.
  });
  return client;
}

type Client = ReturnType<typeof makeClient>;

/** The address with its password hidden, for log lines. */
export function shownAddress(address: string): string {
  try {
    const u = new URL(address);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(an invalid address)';
  }
}

const bytes = (v: Uint8Array): Buffer => Buffer.from(v.buffer, v.byteOffset, v.byteLength);

function toResult(v: unknown): RedisResult {
  if (v === null || v === undefined) return { tag: 'nil' };
  if (Buffer.isBuffer(v)) return { tag: 'binary', val: new Uint8Array(v) };
  if (typeof v === 'number' || typeof v === 'bigint') return { tag: 'int64', val: BigInt(v) };
  if (typeof v === 'string') return { tag: 'status', val: v };
  throw new Error(`Redis replied with a value the interface cannot carry (${Array.isArray(v) ? 'a nested array' : typeof v})`);
}

export class RedisConnections {
  private readonly clients = new Map<string, Promise<Client>>();

  private client(address: string): Promise<Client> {
    let c = this.clients.get(address);
    if (!c) {
      const client = makeClient(address);
      c = client.connect().then(() => client);
      c.catch(() => this.clients.delete(address));
      this.clients.set(address, c);
    }
    return c;
  }

  private async run<T>(address: string, fn: (c: Client) => Promise<T>): Promise<T> {
    let client: Client;
    try {
      client = await this.client(address);
    } catch (err) {
      throw new Error(`cannot connect to Redis at ${shownAddress(address)}: ${(err as Error).message}`);
    }
    try {
      return await fn(client);
    } catch (err) {
      throw new Error(`Redis at ${shownAddress(address)}: ${(err as Error).message}`);
    }
  }

  publish(address: string, channel: string, payload: Uint8Array): Promise<void> {
    return this.run(address, async (c) => void (await c.publish(channel, bytes(payload))));
  }

  get(address: string, key: string): Promise<Uint8Array> {
    return this.run(address, async (c) => {
      const v = (await c.get(key)) as Buffer | null;
      return v ? new Uint8Array(v) : new Uint8Array();
    });
  }

  set(address: string, key: string, value: Uint8Array): Promise<void> {
    return this.run(address, async (c) => void (await c.set(key, bytes(value))));
  }

  incr(address: string, key: string): Promise<bigint> {
    return this.run(address, async (c) => BigInt(await c.incr(key)));
  }

  del(address: string, keys: string[]): Promise<bigint> {
    return this.run(address, async (c) => BigInt(keys.length ? await c.del(keys) : 0));
  }

  sadd(address: string, key: string, values: string[]): Promise<bigint> {
    return this.run(address, async (c) => BigInt(await c.sAdd(key, values)));
  }

  smembers(address: string, key: string): Promise<string[]> {
    return this.run(address, async (c) => ((await c.sMembers(key)) as unknown[]).map((m) => String(m)));
  }

  srem(address: string, key: string, values: string[]): Promise<bigint> {
    return this.run(address, async (c) => BigInt(await c.sRem(key, values)));
  }

  /** Any command; an array reply becomes its elements, any other reply one element. */
  execute(address: string, command: string, args: RedisParameter[]): Promise<RedisResult[]> {
    return this.run(address, async (c) => {
      const argv = [command, ...args.map((a) => (a.tag === 'int64' ? a.val.toString() : bytes(a.val)))];
      // Bulk replies as bytes, status replies as text: the two cases the interface tells apart.
      const reply = await c.sendCommand(argv, { typeMapping: BYTES });
      return Array.isArray(reply) ? reply.map(toResult) : [toResult(reply)];
    });
  }

  async close(): Promise<void> {
    const all = [...this.clients.values()];
    this.clients.clear();
    for (const c of all) {
      try {
        (await c).destroy();
      } catch {
        // never connected
      }
    }
  }
}
