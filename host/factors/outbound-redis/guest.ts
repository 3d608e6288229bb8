/**
 * Guest side of outbound Redis: Spin 1.x's `fermyon:spin/redis`. Every call is decided here
 * against the component's allowed_outbound_hosts (a `redis://` or `rediss://` entry) before
 * the host connects; a refused address is the interface's `error` and one host log line
 * naming the component, the address and the entry to add. A Redis failure is `error` too
 * (the interface carries no message), with the reason in the host log.
 */
import { WasiResultError } from '../../wasi/io.js';
import type { GuestImportsFactory } from '../factor.js';
import { typedService } from '../service.js';
import { findAllowing, parseAllowedHost, suggestedEntry } from '../outbound-http/allowed-hosts.js';
import type { OutboundRedisGuestConfig, OutboundRedisService, RedisParameter } from './api.js';
import { shownRedisUrl as shownAddress } from '../redis-clients.js';

export const createGuestImports: GuestImportsFactory = (ctx) => {
  const config = ctx.config as OutboundRedisGuestConfig | undefined;
  const hosts = (config?.allowedOutboundHosts ?? []).map((h) => parseAllowedHost(h));
  const service = typedService<OutboundRedisService>(ctx);

  /** Runs `op` on an allowed address; anything that fails is the interface's `error`. */
  function call<T>(address: string, what: string, op: () => T): T {
    let url: URL;
    try {
      url = new URL(address);
      if ((url.protocol !== 'redis:' && url.protocol !== 'rediss:') || !url.hostname) throw new Error('not a redis:// address');
    } catch {
      ctx.log(`outbound-redis: ${what}: "${shownAddress(address)}" is not a redis:// or rediss:// address`);
      throw new WasiResultError('error');
    }
    const target = { scheme: url.protocol.slice(0, -1), host: url.hostname, port: url.port ? Number(url.port) : undefined };
    if (!findAllowing(hosts, target)) {
      service.reportDenied(address, suggestedEntry(target));
      throw new WasiResultError('error');
    }
    try {
      return op();
    } catch (err) {
      ctx.log(`outbound-redis: ${what} failed: ${(err as Error).message}`);
      throw new WasiResultError('error');
    }
  }

  const redis = {
    publish: (address: string, channel: string, payload: Uint8Array) => call(address, 'publish', () => service.publish(address, channel, payload)),
    get: (address: string, key: string) => call(address, 'get', () => service.get(address, key)),
    set: (address: string, key: string, value: Uint8Array) => call(address, 'set', () => service.set(address, key, value)),
    incr: (address: string, key: string) => call(address, 'incr', () => service.incr(address, key)),
    del: (address: string, keys: string[]) => call(address, 'del', () => service.del(address, keys)),
    sadd: (address: string, key: string, values: string[]) => call(address, 'sadd', () => service.sadd(address, key, values)),
    smembers: (address: string, key: string) => call(address, 'smembers', () => service.smembers(address, key)),
    srem: (address: string, key: string, values: string[]) => call(address, 'srem', () => service.srem(address, key, values)),
    execute: (address: string, command: string, args: RedisParameter[]) => call(address, `execute ${command}`, () => service.execute(address, command, args)),
  };
  return { imports: { 'fermyon:spin/redis': redis } };
};
