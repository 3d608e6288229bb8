// A guest of the MySQL interfaces, for tests and as an example. It speaks js-postgres's
// protocol (guest-examples/js-shared/postgres-exec.js: POST …/exec with {"iface", "address",
// "connections", "steps"}), which is the rdbms-types one: "v2" is fermyon:spin/mysql@2.0.0,
// whose steps run on one connection; "v1" is Spin 1.x's outbound-mysql, one connection per call.
// execute returns nothing, so its step's rowCount is null.
import { Connection } from 'fermyon:spin/mysql@2.0.0';
import * as outboundMysql from 'fermyon:spin/mysql';
import { postgresExecHandler } from '../js-shared/postgres-exec.js';

function open(iface, address) {
  if (iface === 'v2') return Connection.open(address);
  // Spin 1.x: every call names the address.
  return {
    query: (sql, params) => outboundMysql.query(address, sql, params),
    execute: (sql, params) => outboundMysql.execute(address, sql, params),
  };
}

export const incomingHandler = postgresExecHandler(open);
