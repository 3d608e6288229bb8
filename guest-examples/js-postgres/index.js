// A guest of the PostgreSQL interfaces, for tests and as an example (@3.0.0 is guest-examples/js-postgres3);
// the protocol is guest-examples/js-shared/postgres-exec.js.
// The steps run on one connection (v1 opens one per call, as Spin 1.x does).
import { Connection as Connection4, ConnectionBuilder } from 'spin:postgres/postgres@4.1.0';
import { Connection as Connection2 } from 'fermyon:spin/postgres@2.0.0';
import * as outboundPg from 'fermyon:spin/postgres';
import { postgresExecHandler } from '../js-shared/postgres-exec.js';

function open(iface, address, ca) {
  switch (iface) {
    case 'v4': {
      if (!ca) return Connection4.open(address);
      const builder = new ConnectionBuilder(address);
      builder.setCaRoot(ca);
      return builder.build();
    }
    case 'v2':
      return Connection2.open(address);
    default:
      // Spin 1.x: every call names the address.
      return {
        query: (sql, params) => outboundPg.query(address, sql, params),
        execute: (sql, params) => outboundPg.execute(address, sql, params),
      };
  }
}

export const incomingHandler = postgresExecHandler(open);
