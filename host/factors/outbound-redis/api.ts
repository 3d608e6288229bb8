/**
 * The outbound-redis factor's service, as its guest side calls it and its main-thread side
 * implements it: one set of calls for both interfaces, Spin 1.x's `fermyon:spin/redis`
 * (functions taking the address) and Spin 2's `fermyon:spin/redis@2.0.0` (a `connection`
 * resource, which the guest side holds as its address).
 */

/** An argument of `execute`, as jco lifts `redis-parameter` (the same in both interfaces). */
export type RedisParameter = { tag: 'int64'; val: bigint } | { tag: 'binary'; val: Uint8Array };

/** A value `execute` returns (`redis-result`). */
export type RedisResult = { tag: 'nil' } | { tag: 'status'; val: string } | { tag: 'int64'; val: bigint } | { tag: 'binary'; val: Uint8Array };

/** redis@2.0.0's `error` (Spin 1.x's interface flattens every case to its one `error`). */
export type RedisError = { tag: 'invalid-address' } | { tag: 'too-many-connections' } | { tag: 'type-error' } | { tag: 'other'; val: string };

/** What every service call returns: failures are values, so their case survives the bridge. */
export type RedisOutcome<T> = { ok: true; value: T } | { ok: false; error: RedisError };

export interface OutboundRedisService {
  /** Connects to the address (or finds its client connected): redis@2.0.0's `open`. */
  connect(address: string): RedisOutcome<null>;
  publish(address: string, channel: string, payload: Uint8Array): RedisOutcome<null>;
  /** The value, or undefined for a missing key. */
  get(address: string, key: string): RedisOutcome<Uint8Array | undefined>;
  set(address: string, key: string, value: Uint8Array): RedisOutcome<null>;
  incr(address: string, key: string): RedisOutcome<bigint>;
  del(address: string, keys: string[]): RedisOutcome<bigint>;
  sadd(address: string, key: string, values: string[]): RedisOutcome<bigint>;
  smembers(address: string, key: string): RedisOutcome<string[]>;
  srem(address: string, key: string, values: string[]): RedisOutcome<bigint>;
  execute(address: string, command: string, args: RedisParameter[]): RedisOutcome<RedisResult[]>;
  /** Logs a refused address once per call, naming the entry to add. */
  reportDenied(address: string, entry: string): void;
}

export interface OutboundRedisGuestConfig {
  /** The component's allowed_outbound_hosts, rendered (the outbound-http factor's list). */
  allowedOutboundHosts: string[];
}
