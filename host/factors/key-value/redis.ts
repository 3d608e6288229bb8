/**
 * Redis stores through node-redis: one client per URL, connected on first open. Keys are
 * Redis keys as they are (Spin does the same), so apps on several spin-ts processes, or on
 * Spin, share data through one Redis. Counters are Redis integers (INCRBY).
 */
import { RedisClientPool, shownRedisUrl, type RedisClient } from '../redis-clients.js';
import type { KvBackend } from './backend.js';
import { KvError } from './api.js';
import { resultTooLarge } from './limits.js';

// Compare-and-swap in one server-side step: ARGV[1] is "1" when a value is expected.
const CAS_SCRIPT = `local cur = redis.call('GET', KEYS[1])
if ARGV[1] == '1' then
  if cur ~= ARGV[2] then return 0 end
elseif cur then return 0 end
redis.call('SET', KEYS[1], ARGV[3])
return 1`;

export class RedisClients {
  private readonly pool: RedisClientPool;

  /** `log` gets one line when a Redis goes down and one when it answers again. */
  constructor(log: (line: string) => void = () => {}) {
    this.pool = new RedisClientPool(log, 'key-value');
  }

  backend(url: string): KvBackend {
    const shown = shownRedisUrl(url);
    const run = async <T>(fn: (c: RedisClient) => Promise<T>): Promise<T> => {
      let client: RedisClient;
      try {
        client = await this.pool.client(url);
      } catch (err) {
        throw new KvError('other', `cannot connect to Redis at ${shown}: ${(err as Error).message}`);
      }
      try {
        return await fn(client);
      } catch (err) {
        if (err instanceof KvError) throw err;
        throw new KvError('other', `Redis at ${shown}: ${(err as Error).message}`);
      }
    };
    const asBytes = (v: unknown): Uint8Array | undefined => (v === null || v === undefined ? undefined : (v as Buffer));
    return {
      summary: `Redis at ${shown}`,
      ready: () => run(async () => {}),
      get: (key) => run(async (c) => asBytes(await c.get(key))),
      set: (key, value) => run(async (c) => void (await c.set(key, Buffer.from(value.buffer, value.byteOffset, value.byteLength)))),
      delete: (key) => run(async (c) => void (await c.del(key))),
      exists: (key) => run(async (c) => (await c.exists(key)) > 0),
      keys: (maxBytes) =>
        run(async (c) => {
          const out: string[] = [];
          let total = 0;
          // SCAN by hand: with Buffer replies, node-redis's scanIterator never sees cursor "0".
          let cursor = '0';
          do {
            const [next, batch] = (await c.sendCommand(['SCAN', cursor, 'COUNT', '1000'])) as [Buffer | string, Array<Buffer | string>];
            cursor = String(next);
            for (const k of batch) {
              const key = String(k);
              total += Buffer.byteLength(key);
              if (total > maxBytes) throw new KvError('other', resultTooLarge(total));
              out.push(key);
            }
          } while (cursor !== '0');
          return out;
        }),
      getMany: (keys) => run(async (c) => (keys.length ? (await c.mGet(keys)).map(asBytes) : [])),
      setMany: (entries) =>
        run(async (c) => void (entries.length ? await c.mSet(entries.map(([k, v]) => [k, Buffer.from(v)] as [string, Buffer])) : undefined)),
      deleteMany: (keys) => run(async (c) => void (keys.length ? await c.del(keys) : undefined)),
      increment: (key, delta) => run(async (c) => BigInt(String(await c.sendCommand(['INCRBY', key, delta.toString()])))),
      compareAndSwap: (key, expected, value) =>
        run(async (c) => {
          const args = [expected ? '1' : '0', expected ? Buffer.from(expected) : '', Buffer.from(value)];
          const r = await c.sendCommand(['EVAL', CAS_SCRIPT, '1', key, ...args]);
          return Number(r) === 1;
        }),
      async close() {},
    };
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}
