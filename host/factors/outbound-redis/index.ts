/**
 * The outbound-redis factor: Spin 1.x's `fermyon:spin/redis` (publish, get, set, incr, del,
 * sadd, smembers, srem, execute against a Redis named by address). It owns no manifest key:
 * like Spin's, it obeys the component's allowed_outbound_hosts (`redis://host:port` entries),
 * which the outbound-http factor reads and renders (../outbound-http/component-hosts.ts).
 * The guest side decides each address (./guest.ts); the service talks to Redis through
 * node-redis (./connections.ts).
 */
import type { Factor, ServiceImpl } from '../factor.js';
import { renderedAllowedHosts } from '../outbound-http/component-hosts.js';
import type { OutboundRedisGuestConfig, OutboundRedisService } from './api.js';
import { shownRedisUrl } from '../redis-clients.js';
import { RedisConnections } from './connections.js';

export const outboundRedisFactor: Factor = {
  name: 'outbound-redis',
  guestModule: new URL('./guest.js', import.meta.url).href,
  interfaces: ['fermyon:spin/redis'],
  async configure(ctx) {
    const configs = new Map<string, OutboundRedisGuestConfig>();
    for (const [id, hosts] of renderedAllowedHosts(ctx)) configs.set(id, { allowedOutboundHosts: hosts });
    const redis = new RedisConnections(ctx.log);
    const service: ServiceImpl<OutboundRedisService> = {
      publish: (_call, address, channel, payload) => redis.publish(address, channel, payload),
      get: (_call, address, key) => redis.get(address, key),
      set: (_call, address, key, value) => redis.set(address, key, value),
      incr: (_call, address, key) => redis.incr(address, key),
      del: (_call, address, keys) => redis.del(address, keys),
      sadd: (_call, address, key, values) => redis.sadd(address, key, values),
      smembers: (_call, address, key) => redis.smembers(address, key),
      srem: (_call, address, key, values) => redis.srem(address, key, values),
      execute: (_call, address, command, args) => redis.execute(address, command, args),
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
