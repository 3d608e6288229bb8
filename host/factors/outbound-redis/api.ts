/** The outbound-redis factor's service, as its guest side calls it and its main-thread side implements it. */

/** An argument of `execute`, as jco lifts fermyon:spin/redis-types `redis-parameter`. */
export type RedisParameter = { tag: 'int64'; val: bigint } | { tag: 'binary'; val: Uint8Array };

/** A value `execute` returns (`redis-result`). */
export type RedisResult = { tag: 'nil' } | { tag: 'status'; val: string } | { tag: 'int64'; val: bigint } | { tag: 'binary'; val: Uint8Array };

/** Every method rejects with the reason (for the host log) when Redis fails; the guest sees the interface's `error`. */
export interface OutboundRedisService {
  publish(address: string, channel: string, payload: Uint8Array): void;
  /** The value, or an empty payload for a missing key (Spin 1.x's `get` has no "none"). */
  get(address: string, key: string): Uint8Array;
  set(address: string, key: string, value: Uint8Array): void;
  incr(address: string, key: string): bigint;
  del(address: string, keys: string[]): bigint;
  sadd(address: string, key: string, values: string[]): bigint;
  smembers(address: string, key: string): string[];
  srem(address: string, key: string, values: string[]): bigint;
  execute(address: string, command: string, args: RedisParameter[]): RedisResult[];
  /** Logs a refused address once per call, naming the entry to add. */
  reportDenied(address: string, entry: string): void;
}

export interface OutboundRedisGuestConfig {
  /** The component's allowed_outbound_hosts, rendered (the outbound-http factor's list). */
  allowedOutboundHosts: string[];
}
