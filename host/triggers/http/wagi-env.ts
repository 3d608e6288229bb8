/**
 * The CGI environment and argv a WAGI command gets, as Spin's WAGI executor builds them
 * (spinframework/spin crates/http/src/wagi/mod.rs `build_headers`, then
 * crates/trigger-http/src/headers.rs `compute_default_headers` under their WAGI names,
 * which override: PATH_INFO is the raw wildcard capture).
 */
import { componentRoute } from './headers.js';
import type { HttpRequestPayload } from './request.js';

/** The request as the HTTP trigger handed it over: the caller's headers, and the spin-* ones only the host sets (dispatch.ts drops a caller's copies). */
function splitHeaders(headers: Array<[string, string]>): { client: Array<[string, string]>; spin: Map<string, string> } {
  const isSpin = ([name]: [string, string]) => name.startsWith('spin-');
  return { client: headers.filter((h) => !isSpin(h)), spin: new Map(headers.filter(isSpin)) };
}

/**
 * A header name CGI can carry: letters, digits and `-`. `X_Forwarded_For` and
 * `X-Forwarded-For` both become HTTP_X_FORWARDED_FOR, so a client could override what a
 * proxy set with a name the proxy does not know is the same; such names are left out
 * (as Apache httpd does since 2.4; Spin lets the later one win).
 */
export function cgiHeaderName(name: string): boolean {
  return /^[A-Za-z0-9-]+$/.test(name);
}

function hostAndPort(host: string | undefined): [string, string] {
  // Spin parses its default host first ("default_host", port 80), then the Host header.
  let name = 'default_host';
  let port = '80';
  if (host) {
    const at = host.indexOf(':');
    const h = at < 0 ? host : host.slice(0, at);
    const p = at < 0 ? '' : host.slice(at + 1);
    if (h) name = h;
    if (p) port = p;
  }
  return [name, port];
}

function decodeLossy(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** `ip:port` or `[v6]:port` → the ip. */
function clientIp(addr: string): string {
  const m = /^\[(.*)\]:\d+$/.exec(addr) ?? /^(.*):\d+$/.exec(addr);
  return m ? m[1]! : addr;
}

export function wagiEnvironment(req: HttpRequestPayload, contentLength: number): Array<[string, string]> {
  const { client, spin } = splitHeaders(req.headers);
  const header = (name: string): string | undefined => client.find(([n]) => n === name)?.[1];
  const [serverName, serverPort] = hostAndPort(header('host'));
  const q = req.pathWithQuery.indexOf('?');
  const query = q < 0 ? '' : req.pathWithQuery.slice(q + 1);
  const matched = spin.get('spin-matched-route') ?? '';
  const pathInfo = spin.get('spin-path-info') ?? '';
  const clientAddr = spin.get('spin-client-addr') ?? '';
  const env = new Map<string, string>([
    ['AUTH_TYPE', ''],
    ['CONTENT_LENGTH', String(contentLength)],
    ['CONTENT_TYPE', header('content-type') ?? ''],
    ['GATEWAY_INTERFACE', 'CGI/1.1'],
    ['QUERY_STRING', query],
    ['REMOTE_ADDR', clientIp(clientAddr)],
    ['REMOTE_HOST', clientIp(clientAddr)],
    ['REMOTE_USER', ''],
    ['REQUEST_METHOD', req.method],
    ['SCRIPT_NAME', componentRoute(matched)],
    ['X_RAW_PATH_INFO', pathInfo],
    ['PATH_TRANSLATED', decodeLossy(pathInfo)],
    ['SERVER_NAME', serverName],
    ['SERVER_PORT', serverPort],
    ['SERVER_PROTOCOL', 'HTTP/1.1'],
    ['SERVER_SOFTWARE', 'WAGI/1'],
  ]);
  for (const [name, value] of client) {
    if (!cgiHeaderName(name)) continue;
    const key = `HTTP_${name.toUpperCase().replace(/-/g, '_')}`;
    if (key === 'HTTP_AUTHORIZATION' || key === 'HTTP_CONNECTION') continue;
    env.set(key, value);
  }
  env.set('PATH_INFO', pathInfo);
  env.set('X_FULL_URL', spin.get('spin-full-url') ?? '');
  env.set('X_MATCHED_ROUTE', matched);
  env.set('X_BASE_PATH', spin.get('spin-base-path') ?? '/');
  env.set('X_RAW_COMPONENT_ROUTE', spin.get('spin-raw-component-route') ?? '');
  env.set('X_COMPONENT_ROUTE', spin.get('spin-component-route') ?? '');
  env.set('X_CLIENT_ADDR', clientAddr);
  for (const [name, value] of spin) {
    if (name.startsWith('spin-path-match-')) env.set(`X_PATH_MATCH_${name.slice('spin-path-match-'.length).toUpperCase().replace(/-/g, '_')}`, value);
  }
  return [...env];
}

/** Spin's argv rule: `${SCRIPT_NAME}` is the request path, `${ARGS}` the query with `&` → space, then split on single spaces. */
export function wagiArgv(template: string, pathWithQuery: string): string[] {
  const q = pathWithQuery.indexOf('?');
  const path = q < 0 ? pathWithQuery : pathWithQuery.slice(0, q);
  const args = q < 0 ? '' : pathWithQuery.slice(q + 1).replace(/&/g, ' ');
  return template.replaceAll('${SCRIPT_NAME}', path).replaceAll('${ARGS}', args).split(' ');
}
