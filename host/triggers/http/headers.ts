/**
 * The `spin-*` headers the HTTP trigger adds to every request (docs/spec.md §5).
 *
 * Values follow Spin's trigger-http (spinframework/spin crates/trigger-http/src/headers.rs,
 * `compute_default_headers`, and crates/http/src/routes.rs `RouteMatch`):
 *   spin-path-info            the wildcard capture (RouteMatch.pathInfo)
 *   spin-full-url             `{scheme}://{host}{path?query}`, host from the Host header, "localhost" if absent
 *   spin-matched-route        the route that matched, as written with "/..." (base-joined)
 *   spin-base-path            "/" (Spin hard-codes it; a v1 `trigger.base` may be passed)
 *   spin-raw-component-route  the route as written, with "/..."
 *   spin-component-route      the route with a trailing "/..." stripped: `/foo/...` → `/foo`,
 *                             `/foo/:id/...` → `/foo/:id`, and `/...` → "" (Spin's
 *                             `raw_route_or_prefix`; its own README output shows `Spin-Component-Route: ""`)
 *   spin-client-addr          `ip:port` (`[v6]:port`, as Rust's SocketAddr prints)
 *   spin-path-match-<name>    one per `:name`; Spin upper-cases the name, then the header key is
 *                             lower-cased with `_` → `-`, so `:user_id` → `spin-path-match-user-id`.
 *                             The value is the raw path segment (routefinder captures are slices of
 *                             the undecoded path), which also keeps it a valid header value.
 */

import type { RouteMatch } from './routes.js';

export interface SpinHeaderArgs {
  match: RouteMatch;
  /** See spinFullUrl. */
  fullUrl: string;
  /** `ip:port`; see formatClientAddr. */
  clientAddr: string;
  /** Defaults to "/". */
  basePath?: string;
}

/** The route with one trailing "/..." removed (`/...` → ""). */
export function componentRoute(route: string): string {
  return route.endsWith('/...') ? route.slice(0, -'/...'.length) : route;
}

/** `spin-path-match-<name>` for a `:name` segment. */
export function pathMatchHeaderName(name: string): string {
  return `spin-path-match-${name.toLowerCase().replace(/_/g, '-')}`;
}

/** `http://host/path?query`: `pathAndQuery` is the request target as received. */
export function spinFullUrl(args: { host?: string; pathAndQuery: string; scheme?: string }): string {
  const host = args.host || 'localhost';
  const target = args.pathAndQuery.startsWith('/') ? args.pathAndQuery : `/${args.pathAndQuery}`;
  return `${args.scheme ?? 'http'}://${host}${target}`;
}

/** `127.0.0.1:5000`, `[::1]:5000`. */
export function formatClientAddr(address: string, port: number): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}

/** The headers to add to the guest's request, in Spin's order. */
export function spinRequestHeaders(args: SpinHeaderArgs): Array<[string, string]> {
  const { match } = args;
  const headers: Array<[string, string]> = [
    ['spin-path-info', match.pathInfo],
    ['spin-full-url', args.fullUrl],
    ['spin-matched-route', match.matchedRoute],
    ['spin-base-path', args.basePath ?? '/'],
    ['spin-raw-component-route', match.route],
    ['spin-component-route', componentRoute(match.route)],
    ['spin-client-addr', args.clientAddr],
  ];
  for (const [name, value] of Object.entries(match.rawParams)) {
    headers.push([pathMatchHeaderName(name), value]);
  }
  return headers;
}

/**
 * The caller's headers without any `spin-*` one: the host sets that namespace for the guest
 * (spin-full-url, spin-client-addr, spin-path-match-<any name> …), so a client's copy could
 * only make a guest believe a URL, an address or a route parameter the host never gave it.
 */
export function withoutSpinHeaders(headers: ReadonlyArray<[string, string]>): Array<[string, string]> {
  return headers.filter(([name]) => !name.toLowerCase().startsWith('spin-'));
}
