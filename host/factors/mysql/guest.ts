/**
 * Guest side of MySQL, two interfaces over one service:
 *   - fermyon:spin/mysql@2.0.0: resource `connection` over rdbms-types@2.0.0.
 *   - fermyon:spin/mysql (Spin 1.x, outbound-mysql): functions taking the address, `mysql-error`.
 * Every address is decided here against the component's allowed_outbound_hosts
 * (`mysql://host:port` entries, as Spin checks them) before the host connects. jco names an
 * interface the component imports in one version only without its version, so the
 * unversioned name serves both (their functions and the 2.0 resource have different names).
 */
import type { GuestImportsFactory } from '../factor.js';
import { GuestResultError } from '../guest-error.js';
import { typedService } from '../service.js';
import { findAllowing, parseAllowedHost, suggestedEntry } from '../outbound-http/allowed-hosts.js';
import { AddressError, parseAddress } from './address.js';
import type { MysqlError, MysqlGuestConfig, MysqlHandle, MysqlOutcome, MysqlParam, MysqlService } from './api.js';

/** Connections one instance may hold at once (Spin's table is bounded too). */
export const MAX_OPEN_CONNECTIONS = 8;

/** 2 is fermyon:spin/mysql@2.0.0's rdbms-types error; 1 is Spin 1.x's mysql-error, whose `other` is `other-error`. */
type MysqlInterface = 1 | 2;

export const createGuestImports: GuestImportsFactory = (ctx) => {
  const config = ctx.config as MysqlGuestConfig | undefined;
  const hosts = (config?.allowedOutboundHosts ?? []).map((h) => parseAllowedHost(h));
  const service = typedService<MysqlService>(ctx);
  let open = 0;

  const fail = (e: MysqlError, iface: MysqlInterface): never => {
    throw new GuestResultError(iface === 1 && e.tag === 'other' ? { tag: 'other-error', val: e.val } : e);
  };
  const unwrap = <T>(r: MysqlOutcome<T>, iface: MysqlInterface): T => (r.ok ? r.value : fail(r.error, iface));

  /** Spin's check: the address's host and port must be allowed (scheme `mysql`), or nothing connects. */
  function checkAddress(address: string, iface: MysqlInterface): void {
    let parsed;
    try {
      parsed = parseAddress(address);
    } catch (err) {
      if (!(err instanceof AddressError)) throw err;
      ctx.log(`mysql: invalid address: ${err.message}`);
      return fail({ tag: 'connection-failed', val: `invalid address: ${err.message}` }, iface);
    }
    const target = { scheme: 'mysql', host: parsed.host, port: parsed.port };
    if (!findAllowing(hosts, target)) {
      service.reportDenied(address, suggestedEntry(target));
      fail({ tag: 'connection-failed', val: `address mysql://${parsed.host}${parsed.port !== undefined ? `:${parsed.port}` : ''} is not permitted` }, iface);
    }
  }

  function openHandle(address: string, iface: MysqlInterface): MysqlHandle {
    checkAddress(address, iface);
    if (open >= MAX_OPEN_CONNECTIONS) fail({ tag: 'connection-failed', val: 'too many connections' }, iface);
    const handle = unwrap(service.open(address), iface);
    open++;
    return handle;
  }

  function closeHandle(handle: MysqlHandle): void {
    open--;
    service.close(handle);
  }

  class Connection {
    #handle: MysqlHandle | undefined;
    private constructor(handle: MysqlHandle) {
      this.#handle = handle;
    }
    static open(address: string): Connection {
      return new Connection(openHandle(address, 2));
    }
    query(statement: string, params: MysqlParam[]): unknown {
      return unwrap(service.query(this.#live(), statement, params), 2);
    }
    execute(statement: string, params: MysqlParam[]): void {
      unwrap(service.execute(this.#live(), statement, params), 2);
    }
    #live(): MysqlHandle {
      if (this.#handle === undefined) fail({ tag: 'connection-failed', val: 'no connection found' }, 2);
      return this.#handle!;
    }
    [Symbol.dispose](): void {
      if (this.#handle !== undefined) closeHandle(this.#handle);
      this.#handle = undefined;
    }
  }

  /** Spin 1.x: one call, one connection. */
  function once<T>(address: string, run: (h: MysqlHandle) => MysqlOutcome<T>): T {
    const handle = openHandle(address, 1);
    try {
      return unwrap(run(handle), 1);
    } finally {
      closeHandle(handle);
    }
  }
  const v1 = {
    query: (address: string, statement: string, params: MysqlParam[]) => once(address, (h) => service.query(h, statement, params)),
    execute: (address: string, statement: string, params: MysqlParam[]): void => {
      once(address, (h) => service.execute(h, statement, params));
    },
  };

  return {
    imports: {
      'fermyon:spin/mysql@2.0.0': { Connection },
      'fermyon:spin/mysql': { Connection, ...v1 },
      'fermyon:spin/rdbms-types@2.0.0': {},
      'fermyon:spin/rdbms-types': {},
    },
    onInstance() {
      open = 0;
    },
  };
};
