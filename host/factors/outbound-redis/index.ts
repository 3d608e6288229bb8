/**
 * The outbound-redis factor: Spin 1.x's `fermyon:spin/redis` (publish, get, set, incr, del,
 * sadd, smembers, srem, execute against a Redis named by address) and Spin 2's
 * `fermyon:spin/redis@2.0.0` (the same calls on a `connection` resource). It owns no manifest
 * key: like Spin's, it obeys the component's allowed_outbound_hosts (`redis://host:port`
 * entries), which the outbound-http factor reads and renders
 * (../outbound-http/component-hosts.ts). The guest side decides each address (./guest.ts); the
 * service talks to Redis through node-redis (./connections.ts). docs/outbound-redis.md has the rules.
 */
import type { Factor, ServiceImpl } from '../factor.js';
import { renderedAllowedHosts } from '../outbound-http/component-hosts.js';
import type { OutboundRedisGuestConfig, OutboundRedisService } from './api.js';
import { shownRedisUrl } from '../redis-clients.js';
import { RedisConnections } from './connections.js';

export const outboundRedisFactor: Factor = {
  name: 'outbound-redis',
  guestModule: new URL('./guest.js', import.meta.url).href,
  interfaces: ['fermyon:spin/redis', 'fermyon:spin/redis@2.0.0'],
  async configure(ctx) {
    const configs = new Map<string, OutboundRedisGuestConfig>();
    for (const [id, hosts] of renderedAllowedHosts(ctx)) configs.set(id, { allowedOutboundHosts: hosts });
    const redis = new RedisConnections(ctx.log, (component, what, reason) => ctx.log(`outbound-redis: ${what} failed: ${reason} (component '${component}')`));
    const service: ServiceImpl<OutboundRedisService> = {
      connect: (call, address) => redis.connect(call.componentId, address),
      publish: (call, address, channel, payload) => redis.publish(call.componentId, address, channel, payload),
      get: (call, address, key) => redis.get(call.componentId, address, key),
      set: (call, address, key, value) => redis.set(call.componentId, address, key, value),
      incr: (call, address, key) => redis.incr(call.componentId, address, key),
      del: (call, address, keys) => redis.del(call.componentId, address, keys),
      sadd: (call, address, key, values) => redis.sadd(call.componentId, address, key, values),
      smembers: (call, address, key) => redis.smembers(call.componentId, address, key),
      srem: (call, address, key, values) => redis.srem(call.componentId, address, key, values),
      execute: (call, address, command, args) => redis.execute(call.componentId, address, command, args),
      async reportDenied(call, address, entry) {
        ctx.log(
          `outbound-redis: component '${call.componentId}' may not connect to ${shownRedisUrl(address)}. To allow it, add "${entry}" to allowed_outbound_hosts for the component in spin.toml ([component.${call.componentId}]).`,
        );
      },
    };
    return {
      componentConfig: (id) => configs.get(id) ?? { allowedOutboundHosts: [] },
      service,
      close: () => redis.close(),
    };
  },
};
