/**
 * Redis connections for guests (one multiplexed node-redis client per address,
 * ../redis-clients.ts), and replies mapped to the interfaces' types: bulk strings as bytes,
 * integers as s64, status as text, nested arrays flattened (as Spin flattens them).
 *
 * Both interfaces share the clients, so a guest's `open` costs no socket of its own: what a
 * guest can make the host hold is one client per distinct address, and at most MAX_ADDRESSES
 * of them are kept. A new address past that closes the least recently used idle one (its next
 * call connects again); with every one busy, it is `too-many-connections`.
 *
 * Failures are values (RedisOutcome): a server error saying the key holds the wrong type, or
 * that `incr`'s value is not an integer, is `type-error` (the interface's documented case);
 * a URL node-redis cannot read is `invalid-address`; anything else is `other` with its reason.
 */
import { ErrorReply, RESP_TYPES } from 'redis';
import { BYTES, RedisClientPool, shownRedisUrl, type RedisClient } from '../redis-clients.js';
import type { RedisError, RedisOutcome, RedisParameter, RedisResult } from './api.js';

/** Distinct addresses with a client held at once, for all guests together. */
export const MAX_ADDRESSES = 32;
/** A reply (a value or `execute`'s results) past this is `other` (Spin's MAX_HOST_BUFFERED_BYTES). */
export const MAX_REPLY_BYTES = 128 * 1024 * 1024;

/**
 * Replies as `execute` tells them apart: bulk strings as bytes, status replies as text, and
 * integers as their decimal text (node-redis's numbers would round an s64 past 2^53). A status
 * reply is never all digits in Redis's commands, so all-digit text is an integer.
 */
const EXECUTE_TYPES = { ...BYTES, [RESP_TYPES.NUMBER]: String };
const INTEGER_TEXT = { [RESP_TYPES.NUMBER]: String };
const INTEGER = /^-?\d+$/;

const bytes = (v: Uint8Array): Buffer => Buffer.from(v.buffer, v.byteOffset, v.byteLength);

class ReplyError extends Error {}

/** One reply to `execute`'s results: arrays (at any depth) become their elements, in order. */
function appendResults(out: RedisResult[], v: unknown): void {
  if (Array.isArray(v)) {
    for (const e of v) appendResults(out, e);
    return;
  }
  if (v === null || v === undefined) out.push({ tag: 'nil' });
  else if (Buffer.isBuffer(v)) out.push({ tag: 'binary', val: new Uint8Array(v) });
  else if (typeof v === 'number' && Number.isInteger(v)) out.push({ tag: 'int64', val: BigInt(v) });
  else if (typeof v === 'bigint') out.push({ tag: 'int64', val: v });
  else if (typeof v === 'number') out.push({ tag: 'binary', val: new TextEncoder().encode(String(v)) });
  else if (typeof v === 'boolean') out.push({ tag: 'int64', val: v ? 1n : 0n });
  else if (typeof v === 'string') out.push(INTEGER.test(v) ? { tag: 'int64', val: BigInt(v) } : { tag: 'status', val: v });
  else throw new ReplyError(`Redis replied with a value the interface cannot carry (${v instanceof Map ? 'a map' : typeof v})`);
}

function resultBytes(results: RedisResult[]): number {
  let n = 0;
  for (const r of results) n += 16 + (r.tag === 'binary' ? r.val.byteLength : r.tag === 'status' ? r.val.length : 0);
  return n;
}

const WRONG_TYPE = /^(WRONGTYPE |ERR value is not an integer)/;

function failure(error: RedisError): { ok: false; error: RedisError } {
  return { ok: false, error };
}

export class RedisConnections {
  private readonly pool: RedisClientPool;
  /** Per held address: calls running on its client, and when it was last used. */
  private readonly use = new Map<string, { running: number; last: number }>();

  /**
   * `log` gets one line when a Redis goes down and one when it answers again, and
   * `onFailure` each failed call's reason, with the component that made it (the guest may see only a case).
   */
  constructor(
    log: (line: string) => void = () => {},
    private readonly onFailure: (component: string, what: string, reason: string) => void = () => {},
  ) {
    this.pool = new RedisClientPool(log, 'outbound-redis');
  }

  /** Room for a client of `address`: closes the least recently used idle one past MAX_ADDRESSES. */
  private makeRoom(address: string): boolean {
    for (const url of this.use.keys()) if (!this.pool.has(url) && this.use.get(url)!.running === 0) this.use.delete(url);
    if (this.pool.has(address) || this.pool.size < MAX_ADDRESSES) return true;
    let oldest: string | undefined;
    for (const [url, u] of this.use) {
      if (u.running === 0 && this.pool.has(url) && (oldest === undefined || u.last < this.use.get(oldest)!.last)) oldest = url;
    }
    if (oldest === undefined) return false;
    this.pool.drop(oldest);
    this.use.delete(oldest);
    return true;
  }

  private async run<T>(component: string, address: string, what: string, fn: (c: RedisClient) => Promise<T>): Promise<RedisOutcome<T>> {
    const shown = shownRedisUrl(address);
    const fail = (error: RedisError, reason: string) => {
      this.onFailure(component, what, reason);
      return failure(error);
    };
    if (!this.makeRoom(address)) return fail({ tag: 'too-many-connections' }, `${MAX_ADDRESSES} Redis addresses are in use at once`);
    const u = this.use.get(address) ?? { running: 0, last: 0 };
    this.use.set(address, u);
    u.running++;
    u.last = Date.now();
    try {
      let pending: Promise<RedisClient>;
      try {
        pending = this.pool.client(address);
      } catch (err) {
        return fail({ tag: 'invalid-address' }, `${shown} is not a Redis address node-redis can read (${(err as Error).message})`);
      }
      let client: RedisClient;
      try {
        client = await pending;
      } catch (err) {
        const reason = `cannot connect to Redis at ${shown}: ${(err as Error).message}`;
        return fail({ tag: 'other', val: reason }, reason);
      }
      try {
        return { ok: true, value: await fn(client) };
      } catch (err) {
        const message = (err as Error).message;
        if (err instanceof ErrorReply && WRONG_TYPE.test(message)) return fail({ tag: 'type-error' }, `Redis at ${shown}: ${message}`);
        const reason = err instanceof ReplyError ? message : `Redis at ${shown}: ${message}`;
        return fail({ tag: 'other', val: reason }, reason);
      }
    } finally {
      u.running--;
    }
  }

  connect(component: string, address: string): Promise<RedisOutcome<null>> {
    return this.run(component, address, 'open', async () => null);
  }

  publish(component: string, address: string, channel: string, payload: Uint8Array): Promise<RedisOutcome<null>> {
    return this.run(component, address, 'publish', async (c) => {
      await c.publish(channel, bytes(payload));
      return null;
    });
  }

  get(component: string, address: string, key: string): Promise<RedisOutcome<Uint8Array | undefined>> {
    return this.run(component, address, 'get', async (c) => {
      const v = (await c.get(key)) as Buffer | null;
      if (v && v.byteLength > MAX_REPLY_BYTES) throw new ReplyError(`query result exceeds limit of ${MAX_REPLY_BYTES} bytes`);
      return v ? new Uint8Array(v) : undefined;
    });
  }

  set(component: string, address: string, key: string, value: Uint8Array): Promise<RedisOutcome<null>> {
    return this.run(component, address, 'set', async (c) => {
      await c.set(key, bytes(value));
      return null;
    });
  }

  incr(component: string, address: string, key: string): Promise<RedisOutcome<bigint>> {
    return this.run(component, address, 'incr', async (c) => BigInt((await c.sendCommand(['INCR', key], { typeMapping: INTEGER_TEXT })) as unknown as string));
  }

  del(component: string, address: string, keys: string[]): Promise<RedisOutcome<bigint>> {
    return this.run(component, address, 'del', async (c) => BigInt(keys.length ? await c.del(keys) : 0));
  }

  sadd(component: string, address: string, key: string, values: string[]): Promise<RedisOutcome<bigint>> {
    return this.run(component, address, 'sadd', async (c) => BigInt(await c.sAdd(key, values)));
  }

  smembers(component: string, address: string, key: string): Promise<RedisOutcome<string[]>> {
    return this.run(component, address, 'smembers', async (c) => ((await c.sMembers(key)) as unknown[]).map((m) => String(m)));
  }

  srem(component: string, address: string, key: string, values: string[]): Promise<RedisOutcome<bigint>> {
    return this.run(component, address, 'srem', async (c) => BigInt(await c.sRem(key, values)));
  }

  /** Any command; its reply flattened into results. */
  execute(component: string, address: string, command: string, args: RedisParameter[]): Promise<RedisOutcome<RedisResult[]>> {
    return this.run(component, address, `execute ${command}`, async (c) => {
      const argv = [command, ...args.map((a) => (a.tag === 'int64' ? a.val.toString() : bytes(a.val)))];
      const reply = await c.sendCommand(argv, { typeMapping: EXECUTE_TYPES });
      const results: RedisResult[] = [];
      appendResults(results, reply);
      if (resultBytes(results) > MAX_REPLY_BYTES) throw new ReplyError(`query result exceeds limit of ${MAX_REPLY_BYTES} bytes`);
      return results;
    });
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}
