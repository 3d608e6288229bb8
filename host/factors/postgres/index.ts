/**
 * The postgres factor: spin:postgres/postgres@4.1.0, @4.0.0 and @3.0.0,
 * fermyon:spin/postgres@2.0.0 and Spin 1.x's fermyon:spin/postgres (outbound-pg), against
 * real PostgreSQL servers through node-postgres. It owns no manifest key: like Spin's, it
 * obeys the component's allowed_outbound_hosts (`postgres://host:port` entries), which the
 * outbound-http factor reads and renders (../outbound-http/component-hosts.ts). The guest
 * side decides each address (./guest.ts); the service holds connections per request
 * (./connections.ts). docs/postgres.md has the rules.
 */
import type { Factor, ServiceImpl } from '../factor.js';
import { renderedAllowedHosts } from '../outbound-http/component-hosts.js';
import { shownRawAddress } from './address.js';
import type { PostgresGuestConfig, PostgresService } from './api.js';
import { PgConnections } from './connections.js';
import { spinPostgresMajor, TwoVersionsError } from './imported-version.js';
import { UserError } from '../../user-error.js';

export const postgresFactor: Factor = {
  name: 'postgres',
  guestModule: new URL('./guest.js', import.meta.url).href,
  interfaces: [
    'spin:postgres/postgres@4.1.0',
    'spin:postgres/postgres@4.0.0',
    'spin:postgres/postgres@3.0.0',
    'fermyon:spin/postgres@2.0.0',
    'fermyon:spin/rdbms-types@2.0.0',
    'fermyon:spin/postgres',
    'fermyon:spin/rdbms-types',
  ],
  async configure(ctx) {
    const configs = new Map<string, PostgresGuestConfig>();
    for (const [id, hosts] of renderedAllowedHosts(ctx)) {
      const source = ctx.app.components.get(id)!.source;
      try {
        configs.set(id, { allowedOutboundHosts: hosts, spinPostgresMajor: await spinPostgresMajor(source) });
      } catch (err) {
        if (!(err instanceof TwoVersionsError)) throw err;
        throw new UserError(
          `component '${id}' (${source}) cannot be served: ${err.message}. Build it against one version (spin:postgres/postgres@4.1.0 has every type).`,
        );
      }
    }
    const pg = new PgConnections(ctx.log);
    const service: ServiceImpl<PostgresService> = {
      open: (call, address, caRoot) => pg.open(call, address, caRoot),
      query: (call, handle, statement, params) => pg.query(call, handle, statement, params),
      execute: (call, handle, statement, params) => pg.execute(call, handle, statement, params),
      close: async (call, handle) => pg.close(call, handle),
      async reportDenied(call, address, entry) {
        ctx.log(
          `postgres: component '${call.componentId}' may not connect to ${shownRawAddress(address)}. To allow it, add "${entry}" to allowed_outbound_hosts for the component in spin.toml ([component.${call.componentId}]).`,
        );
      },
    };
    return {
      componentConfig: (id) => configs.get(id) ?? { allowedOutboundHosts: [], spinPostgresMajor: 4 },
      service,
      onRequestEnd: (requestId) => pg.requestEnded(requestId),
      close: () => pg.closeAll(),
    };
  },
};
