/**
 * The mysql factor: fermyon:spin/mysql@2.0.0 and Spin 1.x's fermyon:spin/mysql
 * (outbound-mysql), against real MySQL and MariaDB servers through mysql2. It owns no
 * manifest key: like Spin's, it obeys the component's allowed_outbound_hosts
 * (`mysql://host:port` entries), which the outbound-http factor reads and renders
 * (../outbound-http/component-hosts.ts). The guest side decides each address (./guest.ts);
 * the service holds connections per request (./connections.ts). docs/mysql.md has the rules.
 * (spin:mysql@3.0.0 is a WASIp3 interface, with streams and futures: docs/wasip3.md.)
 */
import type { Factor, ServiceImpl } from '../factor.js';
import { renderedAllowedHosts } from '../outbound-http/component-hosts.js';
import { shownRawAddress } from './address.js';
import type { MysqlGuestConfig, MysqlService } from './api.js';
import { MysqlConnections } from './connections.js';

export const mysqlFactor: Factor = {
  name: 'mysql',
  guestModule: new URL('./guest.js', import.meta.url).href,
  interfaces: ['fermyon:spin/mysql@2.0.0', 'fermyon:spin/rdbms-types@2.0.0', 'fermyon:spin/mysql', 'fermyon:spin/rdbms-types'],
  async configure(ctx) {
    const configs = new Map<string, MysqlGuestConfig>();
    for (const [id, hosts] of renderedAllowedHosts(ctx)) configs.set(id, { allowedOutboundHosts: hosts });
    const db = new MysqlConnections(ctx.log);
    const service: ServiceImpl<MysqlService> = {
      open: (call, address) => db.open(call, address),
      query: (call, handle, statement, params) => db.query(call, handle, statement, params),
      execute: (call, handle, statement, params) => db.execute(call, handle, statement, params),
      close: async (call, handle) => db.close(call, handle),
      async reportDenied(call, address, entry) {
        ctx.log(
          `mysql: component '${call.componentId}' may not connect to ${shownRawAddress(address)}. To allow it, add "${entry}" to allowed_outbound_hosts for the component in spin.toml ([component.${call.componentId}]).`,
        );
      },
    };
    return {
      componentConfig: (id) => configs.get(id) ?? { allowedOutboundHosts: [] },
      service,
      onRequestEnd: (requestId) => db.requestEnded(requestId),
      close: () => db.closeAll(),
    };
  },
};
