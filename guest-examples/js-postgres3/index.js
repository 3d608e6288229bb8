// spin:postgres/postgres@3.0.0 alone, with js-postgres's protocol (POST …/exec; "iface" is
// ignored): jco serves one version of an interface per component.
import { Connection } from 'spin:postgres/postgres@3.0.0';
import { postgresExecHandler } from '../js-shared/postgres-exec.js';

function open(_iface, address) {
  return Connection.open(address);
}

export const incomingHandler = postgresExecHandler(open);
