/**
 * Redis connections for guests (one node-redis client per address, ../redis-clients.ts), and
 * replies mapped to the interface's types: bulk strings as bytes, integers as s64, status as
 * text.
 */
import { BYTES, RedisClientPool, shownRedisUrl, type RedisClient } from '../redis-clients.js';
import type { RedisParameter, RedisResult } from './api.js';

const bytes = (v: Uint8Array): Buffer => Buffer.from(v.buffer, v.byteOffset, v.byteLength);

function toResult(v: unknown): RedisResult {
  if (v === null || v === undefined) return { tag: 'nil' };
  if (Buffer.isBuffer(v)) return { tag: 'binary', val: new Uint8Array(v) };
  if (typeof v === 'number' || typeof v === 'bigint') return { tag: 'int64', val: BigInt(v) };
  if (typeof v === 'string') return { tag: 'status', val: v };
  throw new Error(`Redis replied with a value the interface cannot carry (${Array.isArray(v) ? 'a nested array' : typeof v})`);
}

export class RedisConnections {
  private readonly pool: RedisClientPool;

  /** `log` gets one line when a Redis goes down and one when it answers again. */
  constructor(log: (line: string) => void = () => {}) {
    this.pool = new RedisClientPool(log, 'outbound-redis');
  }

  private async run<T>(address: string, fn: (c: RedisClient) => Promise<T>): Promise<T> {
    let client: RedisClient;
    try {
      client = await this.pool.client(address);
    } catch (err) {
      throw new Error(`cannot connect to Redis at ${shownRedisUrl(address)}: ${(err as Error).message}`);
    }
    try {
      return await fn(client);
    } catch (err) {
      throw new Error(`Redis at ${shownRedisUrl(address)}: ${(err as Error).message}`);
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

  close(): Promise<void> {
    return this.pool.close();
  }
}
