/**
 * Guest side of outbound Redis, two interfaces over one service:
 *   - Spin 1.x's `fermyon:spin/redis`: functions taking the address; every failure is its one
 *     `error` (the interface carries no message).
 *   - Spin 2's `fermyon:spin/redis@2.0.0`: resource `connection`, opened on an address and
 *     held as it; failures are its `error` variant (invalid-address, too-many-connections,
 *     type-error, other(message)).
 * jco names an interface imported in one version only without its version, so both sit under
 * `fermyon:spin/redis` too (their members have different names). Every address is decided here
 * against the component's allowed_outbound_hosts (a `redis://` or `rediss://` entry, as Spin
 * checks it) before the host connects; a refused address is logged by the host, naming the
 * component, the address and the entry to add. Each failed call's reason is in the host log.
 */
import { WasiResultError } from '../../wasi/io.js';
import type { GuestImportsFactory } from '../factor.js';
import { typedService } from '../service.js';
import { findAllowing, parseAllowedHost, suggestedEntry } from '../outbound-http/allowed-hosts.js';
import { shownRedisUrl } from '../redis-clients.js';
import type { OutboundRedisGuestConfig, OutboundRedisService, RedisError, RedisOutcome, RedisParameter } from './api.js';

/** Connections one instance may hold open at once (Spin's table holds 1024). */
export const MAX_OPEN_CONNECTIONS = 1024;

export const createGuestImports: GuestImportsFactory = (ctx) => {
  const config = ctx.config as OutboundRedisGuestConfig | undefined;
  const hosts = (config?.allowedOutboundHosts ?? []).map((h) => parseAllowedHost(h));
  const service = typedService<OutboundRedisService>(ctx);
  let open = 0;

  /** Whether `address` is a redis:// or rediss:// URL that allowed_outbound_hosts allows (a refusal is logged). */
  function allowed(address: string, what: string): boolean {
    let url: URL | undefined;
    try {
      url = new URL(address);
    } catch {
      // not a URL
    }
    if (!url || (url.protocol !== 'redis:' && url.protocol !== 'rediss:') || !url.hostname) {
      ctx.log(`outbound-redis: ${what}: "${shownRedisUrl(address)}" is not a redis:// or rediss:// address`);
      return false;
    }
    const target = { scheme: url.protocol.slice(0, -1), host: url.hostname, port: url.port ? Number(url.port) : undefined };
    if (findAllowing(hosts, target)) return true;
    service.reportDenied(address, suggestedEntry(target));
    return false;
  }

  // Spin 1.x: any failure is the one `error`.
  const v1 = <T>(address: string, what: string, op: () => RedisOutcome<T>): T => {
    if (!allowed(address, what)) throw new WasiResultError('error');
    const r = op();
    if (!r.ok) throw new WasiResultError('error');
    return r.value;
  };
  const redis1 = {
    publish: (address: string, channel: string, payload: Uint8Array) => void v1(address, 'publish', () => service.publish(address, channel, payload)),
    get: (address: string, key: string) => v1(address, 'get', () => service.get(address, key)) ?? new Uint8Array(),
    set: (address: string, key: string, value: Uint8Array) => void v1(address, 'set', () => service.set(address, key, value)),
    incr: (address: string, key: string) => v1(address, 'incr', () => service.incr(address, key)),
    del: (address: string, keys: string[]) => v1(address, 'del', () => service.del(address, keys)),
    sadd: (address: string, key: string, values: string[]) => v1(address, 'sadd', () => service.sadd(address, key, values)),
    smembers: (address: string, key: string) => v1(address, 'smembers', () => service.smembers(address, key)),
    srem: (address: string, key: string, values: string[]) => v1(address, 'srem', () => service.srem(address, key, values)),
    execute: (address: string, command: string, args: RedisParameter[]) => v1(address, `execute ${command}`, () => service.execute(address, command, args)),
  };

  // Spin 2: the error variant as the host decided it.
  const unwrap = <T>(r: RedisOutcome<T>): T => {
    if (!r.ok) throw new WasiResultError(r.error);
    return r.value;
  };
  const fail = (error: RedisError): never => {
    throw new WasiResultError(error);
  };
  class Connection {
    #address: string | undefined;
    private constructor(address: string) {
      this.#address = address;
    }
    static open(address: string): Connection {
      if (!allowed(address, 'open')) fail({ tag: 'invalid-address' });
      if (open >= MAX_OPEN_CONNECTIONS) fail({ tag: 'too-many-connections' });
      unwrap(service.connect(address));
      open++;
      return new Connection(address);
    }
    #at(): string {
      return this.#address ?? fail({ tag: 'other', val: 'could not find connection for resource' });
    }
    publish(channel: string, payload: Uint8Array): void {
      unwrap(service.publish(this.#at(), channel, payload));
    }
    get(key: string): Uint8Array | undefined {
      return unwrap(service.get(this.#at(), key));
    }
    set(key: string, value: Uint8Array): void {
      unwrap(service.set(this.#at(), key, value));
    }
    incr(key: string): bigint {
      return unwrap(service.incr(this.#at(), key));
    }
    del(keys: string[]): number {
      return Number(unwrap(service.del(this.#at(), keys)));
    }
    sadd(key: string, values: string[]): number {
      return Number(unwrap(service.sadd(this.#at(), key, values)));
    }
    smembers(key: string): string[] {
      return unwrap(service.smembers(this.#at(), key));
    }
    srem(key: string, values: string[]): number {
      return Number(unwrap(service.srem(this.#at(), key, values)));
    }
    execute(command: string, args: RedisParameter[]) {
      return unwrap(service.execute(this.#at(), command, args));
    }
    [Symbol.dispose](): void {
      if (this.#address !== undefined) open--;
      this.#address = undefined;
    }
  }

  return {
    imports: {
      'fermyon:spin/redis': { ...redis1, Connection },
      'fermyon:spin/redis@2.0.0': { Connection },
    },
    onInstance() {
      open = 0;
    },
  };
};
