/**
 * Guest side of PostgreSQL, four interfaces over one service:
 *   - spin:postgres/postgres@4.x (4.0.0, 4.1.0's connection-builder with set-ca-root): every type.
 *   - spin:postgres/postgres@3.0.0: dates and times, the rest `unsupported`.
 *   - fermyon:spin/postgres@2.0.0: resource `connection` over rdbms-types.
 *   - fermyon:spin/postgres (Spin 1.x, outbound-pg): functions taking the address, `pg-error`.
 * Every address is decided here against the component's allowed_outbound_hosts
 * (`postgres://host:port` entries, as Spin checks them) before the host connects. jco names
 * an interface the component imports in one version only without its version, so the
 * unversioned names serve both fermyon:spin ones (their functions and the 2.0 resource
 * have different names) and the spin:postgres version the component imports (read from
 * its binary at start, index.ts).
 */
import type { GuestImportsFactory } from '../factor.js';
import { GuestResultError } from '../guest-error.js';
import { typedService } from '../service.js';
import { findAllowing, parseAllowedHost, suggestedEntry } from '../outbound-http/allowed-hosts.js';
import { AddressError, parseAddress } from './address.js';
import type { PgError, PgHandle, PgOutcome, PgParam, PostgresGuestConfig, PostgresService } from './api.js';
import { narrowError, narrowRowSet, type PgInterface } from './narrow.js';

/** Connections one instance may hold at once (Spin's table is bounded too). */
export const MAX_OPEN_CONNECTIONS = 8;

export const createGuestImports: GuestImportsFactory = (ctx) => {
  const config = ctx.config as PostgresGuestConfig | undefined;
  const hosts = (config?.allowedOutboundHosts ?? []).map((h) => parseAllowedHost(h));
  const service = typedService<PostgresService>(ctx);
  let open = 0;

  const fail = (e: PgError, iface: PgInterface): never => {
    throw new GuestResultError(narrowError(e, iface));
  };
  const unwrap = <T>(r: PgOutcome<T>, iface: PgInterface): T => (r.ok ? r.value : fail(r.error, iface));

  /** Spin's check: every host of the address must be allowed (scheme `postgres`), or nothing connects. */
  function checkAddress(address: string, iface: PgInterface): void {
    let parsed;
    try {
      parsed = parseAddress(address);
    } catch (err) {
      if (!(err instanceof AddressError)) throw err;
      ctx.log(`postgres: invalid connection string: ${err.message}`);
      return fail({ tag: 'connection-failed', val: `invalid connection string: ${err.message}` }, iface);
    }
    for (const h of parsed.hosts) {
      const target = { scheme: 'postgres', host: h.host, port: h.port };
      if (!findAllowing(hosts, target)) {
        service.reportDenied(address, suggestedEntry(target));
        fail({ tag: 'connection-failed', val: `address postgres://${h.host}${h.port !== undefined ? `:${h.port}` : ''} is not permitted` }, iface);
      }
    }
  }

  function openHandle(address: string, caRoot: string | undefined, iface: PgInterface): PgHandle {
    checkAddress(address, iface);
    if (open >= MAX_OPEN_CONNECTIONS) fail({ tag: 'connection-failed', val: 'too many connections' }, iface);
    const handle = unwrap(service.open(address, caRoot), iface);
    open++;
    return handle;
  }

  function closeHandle(handle: PgHandle): void {
    open--;
    service.close(handle);
  }

  function connectionClass(iface: PgInterface) {
    class Connection {
      #handle: PgHandle | undefined;
      private constructor(handle: PgHandle) {
        this.#handle = handle;
      }
      /** @internal for ConnectionBuilder */
      static fromHandle(handle: PgHandle): Connection {
        return new Connection(handle);
      }
      static open(address: string): Connection {
        return new Connection(openHandle(address, undefined, iface));
      }
      query(statement: string, params: PgParam[]): unknown {
        const r = service.query(this.#live(), statement, params);
        return narrowRowSet(unwrap(r, iface), iface);
      }
      execute(statement: string, params: PgParam[]): bigint {
        return unwrap(service.execute(this.#live(), statement, params), iface);
      }
      #live(): PgHandle {
        if (this.#handle === undefined) fail({ tag: 'connection-failed', val: 'no connection found' }, iface);
        return this.#handle!;
      }
      [Symbol.dispose](): void {
        if (this.#handle !== undefined) closeHandle(this.#handle);
        this.#handle = undefined;
      }
    }
    return Connection;
  }

  const V4Connection = connectionClass(4);
  class ConnectionBuilder {
    #address: string;
    #caRoot: string | undefined;
    constructor(address: string) {
      this.#address = address;
    }
    setCaRoot(certificate: string): void {
      if (!/-----BEGIN CERTIFICATE-----[\s\S]+-----END CERTIFICATE-----/.test(certificate)) {
        fail({ tag: 'other', val: 'invalid root certificate: not a PEM certificate' }, 4);
      }
      this.#caRoot = certificate;
    }
    build(): ReturnType<typeof V4Connection.fromHandle> {
      return V4Connection.fromHandle(openHandle(this.#address, this.#caRoot, 4));
    }
  }
  const v4 = { Connection: V4Connection, ConnectionBuilder };
  const v3 = { Connection: connectionClass(3) };
  const v2Connection = connectionClass(2);

  /** Spin 1.x: one call, one connection. */
  function once<T>(address: string, run: (h: PgHandle) => PgOutcome<T>): T {
    const handle = openHandle(address, undefined, 1);
    try {
      return unwrap(run(handle), 1);
    } finally {
      closeHandle(handle);
    }
  }
  const v1 = {
    query: (address: string, statement: string, params: PgParam[]) =>
      narrowRowSet(
        once(address, (h) => service.query(h, statement, params)),
        1,
      ),
    execute: (address: string, statement: string, params: PgParam[]) => once(address, (h) => service.execute(h, statement, params)),
  };

  const spinPostgres = config?.spinPostgresMajor === 3 ? v3 : v4;
  return {
    imports: {
      'spin:postgres/postgres': spinPostgres,
      'spin:postgres/postgres@3.0.0': v3,
      'spin:postgres/postgres@4.0.0': v4,
      'spin:postgres/postgres@4.1.0': v4,
      'fermyon:spin/postgres@2.0.0': { Connection: v2Connection },
      'fermyon:spin/postgres': { Connection: v2Connection, ...v1 },
      'fermyon:spin/rdbms-types@2.0.0': {},
      'fermyon:spin/rdbms-types': {},
    },
    onInstance() {
      open = 0;
    },
  };
};
