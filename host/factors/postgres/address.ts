/**
 * PostgreSQL connection strings as Spin reads them (tokio-postgres's two forms): a URL,
 * `postgres[ql]://[user[:password]@]host[:port][,host[:port]...][/dbname][?key=value&...]`,
 * or keywords, `host=... port=... user=... password='...' dbname=... sslmode=...`. Every
 * host is checked against allowed_outbound_hosts before anything connects; a Unix socket
 * is refused, as Spin refuses it.
 */

export type SslMode = 'disable' | 'prefer' | 'require';

export interface PgAddress {
  hosts: Array<{ host: string; port: number | undefined }>;
  user: string | undefined;
  password: string | undefined;
  database: string | undefined;
  sslMode: SslMode;
  applicationName: string | undefined;
  options: string | undefined;
  connectTimeoutSeconds: number | undefined;
}

export class AddressError extends Error {}

const KEYS = new Set([
  'host',
  'hostaddr',
  'port',
  'user',
  'password',
  'dbname',
  'sslmode',
  'application_name',
  'options',
  'connect_timeout',
  'channel_binding',
  'keepalives',
  'keepalives_idle',
  'target_session_attrs',
  'load_balance_hosts',
  'sslnegotiation',
  'sslrootcert',
  'sslcert',
  'sslkey',
]);

function parseKeywords(text: string): Map<string, string> {
  const out = new Map<string, string>();
  let i = 0;
  const skip = () => {
    while (i < text.length && /\s/.test(text[i]!)) i++;
  };
  for (skip(); i < text.length; skip()) {
    const eq = text.indexOf('=', i);
    if (eq < 0) throw new AddressError(`"${text.slice(i)}" has no '=' (write key=value pairs)`);
    const key = text.slice(i, eq).trim();
    i = eq + 1;
    skip();
    let value = '';
    if (text[i] === "'") {
      for (i++; ; i++) {
        if (i >= text.length) throw new AddressError(`the value of '${key}' has no closing quote`);
        const c = text[i]!;
        if (c === "'") break;
        if (c === '\\' && i + 1 < text.length) value += text[++i];
        else value += c;
      }
      i++;
    } else {
      while (i < text.length && !/\s/.test(text[i]!)) {
        if (text[i] === '\\' && i + 1 < text.length) i++;
        value += text[i++];
      }
    }
    out.set(key, value);
  }
  return out;
}

function parseUrl(text: string): Map<string, string> {
  const m = /^postgres(?:ql)?:\/\/([^/?]*)(?:\/([^?]*))?(?:\?(.*))?$/s.exec(text);
  if (!m) throw new AddressError('not a postgres:// URL');
  const [, authority = '', db, query] = m;
  const out = new Map<string, string>();
  const at = authority.lastIndexOf('@');
  const hostPart = at >= 0 ? authority.slice(at + 1) : authority;
  if (at >= 0) {
    const userInfo = authority.slice(0, at);
    const colon = userInfo.indexOf(':');
    out.set('user', decodeURIComponent(colon >= 0 ? userInfo.slice(0, colon) : userInfo));
    if (colon >= 0) out.set('password', decodeURIComponent(userInfo.slice(colon + 1)));
  }
  const hosts: string[] = [];
  const ports: string[] = [];
  for (const item of hostPart ? hostPart.split(',') : []) {
    const hm = /^(\[[^\]]*\]|[^:]*)(?::(.*))?$/.exec(item)!;
    hosts.push(decodeURIComponent(hm[1]!.replace(/^\[|\]$/g, '')));
    ports.push(hm[2] ?? '');
  }
  if (hosts.length) out.set('host', hosts.join(','));
  if (ports.some((p) => p !== '')) out.set('port', ports.join(','));
  if (db) out.set('dbname', decodeURIComponent(db));
  for (const [k, v] of new URLSearchParams(query ?? '')) out.set(k, v);
  return out;
}

function sslModeOf(v: string | undefined): SslMode {
  switch (v ?? 'prefer') {
    case 'disable':
      return 'disable';
    case 'allow':
    case 'prefer':
      return 'prefer';
    case 'require':
    case 'verify-ca':
    case 'verify-full':
      return 'require';
    default:
      throw new AddressError(`sslmode '${v}' is not one of disable, allow, prefer, require, verify-ca, verify-full`);
  }
}

export function parseAddress(text: string): PgAddress {
  const kv = /^postgres(?:ql)?:\/\//.test(text) ? parseUrl(text) : parseKeywords(text);
  for (const k of kv.keys()) if (!KEYS.has(k)) throw new AddressError(`unknown option '${k}'`);
  const hostList = (kv.get('hostaddr') ?? kv.get('host') ?? '').split(',').filter((h) => h !== '');
  if (hostList.length === 0) throw new AddressError('no host (write postgres://user@host:port/database)');
  const portList = (kv.get('port') ?? '').split(',').map((p) => p.trim());
  const hosts = hostList.map((host, i) => {
    if (host.startsWith('/')) throw new AddressError('Unix sockets are not supported on WebAssembly');
    const p = portList.length === 1 ? portList[0] : portList[i];
    if (p === undefined || p === '') return { host, port: undefined };
    if (!/^\d{1,5}$/.test(p) || Number(p) > 65535 || Number(p) === 0) throw new AddressError(`invalid port '${p}'`);
    return { host, port: Number(p) };
  });
  const timeout = kv.get('connect_timeout');
  return {
    hosts,
    user: kv.get('user'),
    password: kv.get('password'),
    database: kv.get('dbname'),
    sslMode: sslModeOf(kv.get('sslmode')),
    applicationName: kv.get('application_name'),
    options: kv.get('options'),
    connectTimeoutSeconds: timeout !== undefined && /^\d+$/.test(timeout) ? Number(timeout) : undefined,
  };
}

/** The address for log lines: hosts and database, never the password. */
export function shownAddress(a: PgAddress): string {
  const hosts = a.hosts.map((h) => (h.port ? `${h.host}:${h.port}` : h.host)).join(',');
  return `postgres://${a.user ? `${a.user}@` : ''}${hosts}${a.database ? `/${a.database}` : ''}`;
}

/** An address that did not parse, for log lines: the scheme and host only. */
export function shownRawAddress(text: string): string {
  try {
    return shownAddress(parseAddress(text));
  } catch {
    return '(an invalid PostgreSQL address)';
  }
}
