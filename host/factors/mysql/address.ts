/**
 * MySQL addresses as Spin reads them (mysql_async's URL form):
 * `mysql://[user[:password]@]host[:port][/database][?key=value&...]`. The host is checked
 * against allowed_outbound_hosts before anything connects; `socket=` (a Unix socket on the
 * host) is refused, as WebAssembly has none. `ssl-mode` (or `sslMode`, any case) other than
 * `DISABLED` asks for TLS with the server's certificate verified, as Spin does.
 */

export interface MysqlAddress {
  host: string;
  port: number | undefined;
  user: string | undefined;
  password: string | undefined;
  database: string | undefined;
  tls: boolean;
}

export class AddressError extends Error {}

/** mysql_async's URL parameters that change nothing here (pool and cache tuning, timeouts): accepted, as Spin accepts them. */
const IGNORED = new Set([
  'pool_min',
  'pool_max',
  'inactive_connection_ttl',
  'ttl_check_interval',
  'conn_ttl',
  'abs_conn_ttl',
  'abs_conn_ttl_jitter',
  'tcp_keepalive',
  'tcp_nodelay',
  'stmt_cache_size',
  'wait_timeout',
  'max_allowed_packet',
  'secure_auth',
  'client_found_rows',
  'reset_connection',
  'prefer_socket',
  'compression',
]);

function decoded(part: string, what: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    throw new AddressError(`the ${what} is not valid percent-encoding`);
  }
}

export function parseAddress(text: string): MysqlAddress {
  if (!/^mysql:\/\//i.test(text)) throw new AddressError('not a mysql:// URL');
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new AddressError('not a valid URL');
  }
  if (url.hostname === '') throw new AddressError('no host (write mysql://user:password@host:port/database)');
  let tls = false;
  for (const [key, value] of url.searchParams) {
    const k = key.toLowerCase();
    if (k === 'ssl-mode' || k === 'sslmode') tls = value.toLowerCase() !== 'disabled';
    else if (k === 'require_ssl') tls = value === 'true';
    else if (k === 'socket') throw new AddressError('Unix sockets are not supported on WebAssembly');
    else if (!IGNORED.has(key)) throw new AddressError(`unknown URL parameter '${key}'`);
  }
  const path = url.pathname.replace(/^\//, '');
  if (path.includes('/')) throw new AddressError(`the database name '${decoded(path, 'database name')}' has a '/'`);
  return {
    host: url.hostname,
    port: url.port === '' ? undefined : Number(url.port),
    user: url.username === '' ? undefined : decoded(url.username, 'user name'),
    password: url.password === '' ? undefined : decoded(url.password, 'password'),
    database: path === '' ? undefined : decoded(path, 'database name'),
    tls,
  };
}

/** The address for log lines: user, host and database, never the password. */
export function shownAddress(a: MysqlAddress): string {
  return `mysql://${a.user ? `${encodeURIComponent(a.user)}@` : ''}${a.host}${a.port !== undefined ? `:${a.port}` : ''}${a.database ? `/${a.database}` : ''}`;
}

/** An address for log lines, parsed or not. */
export function shownRawAddress(text: string): string {
  try {
    return shownAddress(parseAddress(text));
  } catch {
    return '(an invalid MySQL address)';
  }
}
