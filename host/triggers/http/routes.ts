/**
 * Every HTTP routing rule of the Spin HTTP trigger (docs/spec.md §5) lives here.
 *
 * Route syntax:
 *   - exact segments:            `/cart`, `/cart/checkout`
 *   - named (single) segments:   `/users/:id` — matches exactly one non-empty segment
 *   - trailing wildcard:         `/users/...` — matches `/users`, `/users/`, `/users/1/edit`,
 *                                 but not `/usersx`; `/...` matches every path.
 *
 * Precedence (the total order used to choose among routes that all match a path).
 * Give each route a key: the list of its segment kinds, exact = 0, `:param` = 1,
 * and, if it has one, the trailing wildcard as a final 2. Of the matching routes,
 * the one with the lexicographically smallest key wins, and a key that is a
 * proper prefix of another sorts first:
 *   1. segment by segment, exact < `:param` < wildcard: at the first position where
 *      two matching routes differ in kind, the more specific kind wins
 *      (`/users/list` > `/users/:id` > `/users/...`, `/a/:x` > `/:y/b`,
 *       `/one/two/...` > `/one/...` for `/one/two/three`);
 *   2. then fewer segments: this only decides between `P` and `P/...` where the
 *      wildcard captures nothing (the path is exactly `P`), so the exact route
 *      wins (`/users` > `/users/...` for `/users`). Two routes that both match one
 *      path and agree on every kind must also agree on every exact segment, so
 *      nothing else can tie;
 *   3. identical patterns (same segments; `:param` names do not count, since they
 *      cannot change what matches): the last declared wins and the others are
 *      listed in `Router.shadowed`.
 * This is the order of Spin's router (spinframework/spin crates/http/src/routes.rs,
 * which sorts matches with the `routefinder` crate's RouteSpec ordering: exact
 * before capture before wildcard, then the shorter spec; duplicates: last wins).
 *
 * Matching works on the raw (still percent-encoded) path: `%2F` does not split a
 * segment. The query string is ignored. One trailing `/` on the request path is
 * ignored for matching (`/cart/` matches `/cart`), as Spin/routefinder do, but it is
 * kept in `spin-path-info` (`/test/` → `/`).
 */

import { UserError } from '../../user-error.js';
import { normaliseRoute } from './route-syntax.js';

/** Paths under this prefix are served by the host and never reach app routes. */
export const WELL_KNOWN_PREFIX = '/.well-known/spin/';

/** The suffix that marks a trailing-wildcard route. */
const WILDCARD_SUFFIX = '/...';

export type RouteSegment =
  | { kind: 'exact'; value: string }
  | { kind: 'param'; name: string }
  /** Only ever the last segment. */
  | { kind: 'wildcard' };

export interface ParsedRoute {
  /** Normalised route: leading "/" added, one trailing "/" removed, "/..." kept. */
  route: string;
  /** Segments in order; a wildcard, if present, is last. */
  segments: RouteSegment[];
  /** true when the route ends in "/...". */
  wildcard: boolean;
  /** The route without a trailing "/..." ("" for "/..."). */
  prefix: string;
}

export interface RouteEntryInput {
  route: string;
  component: string;
  triggerId: string;
}

export interface RouteMatch {
  component: string;
  triggerId: string;
  /** The route as written (normalised), including any "/...". */
  route: string;
  /** Named segment values, percent-decoded (left raw where the encoding is malformed). */
  params: Record<string, string>;
  /** Named segment values exactly as they appear in the request path (what Spin puts in headers). */
  rawParams: Record<string, string>;
  /** Wildcard capture: route `/test/...`: `/test` → "", `/test/` → "/", `/test/a` → "/a"; "" for non-wildcard routes. */
  pathInfo: string;
  /** The route the path matched: the base joined with `route` (equal to `route` when the base is "/"). */
  matchedRoute: string;
}

export interface ShadowedRoute {
  /** The route that can never be reached. */
  route: string;
  component: string;
  triggerId: string;
  /** The component whose later, identical route wins. */
  by: string;
  /** That winning route as written (differs from `route` only in `:param` names). */
  byRoute: string;
}

export interface RouteInfo {
  route: string;
  matchedRoute: string;
  component: string;
  triggerId: string;
  wildcard: boolean;
  /**
   * What to print after the origin in "Available Routes": the matched route without
   * "/...", and "" for "/" and "/..." — Spin prints `name: http://127.0.0.1:3000/foo`
   * and `name: http://127.0.0.1:3000 (wildcard)`.
   */
  printPath: string;
}

export class RouteError extends UserError {}

/** Parses (and normalises) a route. Throws RouteError for a `:` segment with no name. */
export function parseRoute(route: string): ParsedRoute {
  const normalised = normaliseRoute(route);
  const parts = normalised === '/' ? [] : normalised.slice(1).split('/');
  const segments: RouteSegment[] = parts.map((part, i): RouteSegment => {
    if (part === '...' && i === parts.length - 1) return { kind: 'wildcard' };
    if (part.startsWith(':')) {
      const name = part.slice(1);
      if (name === '') throw new RouteError(`route '${normalised}' has a ':' segment with no name`);
      return { kind: 'param', name };
    }
    return { kind: 'exact', value: part };
  });
  const wildcard = segments.length > 0 && segments[segments.length - 1]!.kind === 'wildcard';
  const prefix = wildcard ? normalised.slice(0, -WILDCARD_SUFFIX.length) : normalised;
  return { route: normalised, segments, wildcard, prefix };
}

/** The request path without its query string or fragment. */
export function stripQuery(path: string): string {
  const cut = path.search(/[?#]/);
  return cut === -1 ? path : path.slice(0, cut);
}

/** What the host does with a path under `/.well-known/spin/` (undefined: not reserved). */
export type ReservedPathAction = 'health' | 'info' | 'not-found';

/**
 * `/.well-known/spin/health` → "health" (200 `OK`), `/.well-known/spin/info` → "info"
 * (app JSON), any other path under `/.well-known/spin/` → "not-found" (404). These
 * take precedence over app routes. The remainder must equal "health"/"info" exactly
 * (so `/.well-known/spin/health/` is a 404), as in Spin's trigger-http server.rs.
 */
export function reservedPathAction(path: string): ReservedPathAction | undefined {
  const p = stripQuery(path);
  if (!p.startsWith(WELL_KNOWN_PREFIX)) return undefined;
  const rest = p.slice(WELL_KNOWN_PREFIX.length);
  if (rest === 'health') return 'health';
  if (rest === 'info') return 'info';
  return 'not-found';
}

/** true when the host, not the app, answers this path. */
export function isReservedPath(path: string): boolean {
  return reservedPathAction(path) !== undefined;
}

// ---------------------------------------------------------------------------
// Route table: a trie of segments, built once. A lookup walks it depth-first in
// precedence order (end of route, exact child, `:param` child, wildcard), so the
// first route found is the best one and nothing is re-parsed per request.
// Every trie node sits at a fixed depth, so one lookup visits each node at most
// once: backtracking is bounded by the table size, typically O(path segments).

interface Entry {
  route: string;
  matchedRoute: string;
  component: string;
  triggerId: string;
  wildcard: boolean;
  /** Number of non-wildcard segments, base included: where the wildcard capture starts. */
  depth: number;
  /** [segment index, name] for each `:name`. */
  params: Array<[number, string]>;
}

interface TrieNode {
  exact: Map<string, TrieNode>;
  param?: TrieNode;
  /** A route that ends exactly here. */
  end?: Entry;
  /** A "/..." route whose prefix ends here. */
  wildcard?: Entry;
}

function newNode(): TrieNode {
  return { exact: new Map() };
}

/** Joins a base ("/" or "/api") and a normalised route. */
function joinBase(base: string, route: string): string {
  const b = normaliseRoute(base);
  if (b === '/') return route;
  return route === '/' ? b : b + route;
}

/** Pattern identity: `:param` names erased, so `/u/:a` and `/u/:b` collide. */
function shapeKey(segments: RouteSegment[]): string {
  return segments.map((s) => (s.kind === 'exact' ? `=${s.value}` : s.kind === 'param' ? ':' : '...')).join('/');
}

interface SplitPath {
  segments: string[];
  trailingSlash: boolean;
}

function splitPath(path: string): SplitPath {
  let p = stripQuery(path);
  if (!p.startsWith('/')) p = `/${p}`;
  const trailingSlash = p.endsWith('/');
  const body = p.slice(1, trailingSlash ? -1 : undefined);
  return { segments: body === '' ? [] : body.split('/'), trailingSlash };
}

function decodeSegment(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

export interface RouterOptions {
  /** Application base (v1 `trigger.base`), default "/": routes are matched under it. */
  base?: string;
}

export class Router {
  /** Routes that can never be reached because a later identical route wins. */
  readonly shadowed: ShadowedRoute[] = [];
  private readonly root: TrieNode = newNode();
  /** Surviving entries, keyed by shape, in first-declaration order (as Spin's IndexMap). */
  private readonly table = new Map<string, Entry>();

  constructor(entries: Iterable<RouteEntryInput>, options: RouterOptions = {}) {
    const base = options.base ?? '/';
    for (const input of entries) {
      let parsed: ParsedRoute;
      let based: ParsedRoute;
      try {
        parsed = parseRoute(input.route);
        based = parseRoute(joinBase(base, parsed.route));
      } catch (e) {
        throw new RouteError(`Error parsing route ${input.route} associated with component ${input.component}: ${(e as Error).message}`);
      }
      const entry = this.makeEntry(input, parsed, based);
      const key = shapeKey(based.segments);
      const previous = this.table.get(key);
      if (previous) {
        this.shadowed.push({
          route: previous.route,
          component: previous.component,
          triggerId: previous.triggerId,
          by: entry.component,
          byRoute: entry.route,
        });
      }
      this.table.set(key, entry);
      this.insert(based.segments, entry);
    }
  }

  /** The best route for a request path (query ignored), or undefined (→ 404). */
  match(path: string): RouteMatch | undefined {
    const { segments, trailingSlash } = splitPath(path);
    const entry = find(this.root, segments, 0);
    if (!entry) return undefined;

    const params: Record<string, string> = {};
    const rawParams: Record<string, string> = {};
    for (const [index, name] of entry.params) {
      const raw = segments[index]!;
      rawParams[name] = raw;
      params[name] = decodeSegment(raw);
    }
    return {
      component: entry.component,
      triggerId: entry.triggerId,
      route: entry.route,
      params,
      rawParams,
      pathInfo: entry.wildcard ? wildcardCapture(segments, entry.depth, trailingSlash) : '',
      matchedRoute: entry.matchedRoute,
    };
  }

  /** The reachable routes, in declaration order, for printing. */
  routes(): RouteInfo[] {
    return [...this.table.values()].map((e) => {
      const prefix = e.wildcard ? e.matchedRoute.slice(0, -WILDCARD_SUFFIX.length) : e.matchedRoute;
      return {
        route: e.route,
        matchedRoute: e.matchedRoute,
        component: e.component,
        triggerId: e.triggerId,
        wildcard: e.wildcard,
        printPath: prefix === '/' ? '' : prefix,
      };
    });
  }

  /** Reachable-looking routes under `/.well-known/spin/` that the host will always answer instead. */
  reservedRoutes(): RouteInfo[] {
    return this.routes().filter((r) => r.matchedRoute.startsWith(WELL_KNOWN_PREFIX));
  }

  private makeEntry(input: RouteEntryInput, parsed: ParsedRoute, based: ParsedRoute): Entry {
    const params: Array<[number, string]> = [];
    based.segments.forEach((s, i) => {
      if (s.kind === 'param') params.push([i, s.name]);
    });
    return {
      route: parsed.route,
      matchedRoute: based.route,
      component: input.component,
      triggerId: input.triggerId,
      wildcard: based.wildcard,
      depth: based.wildcard ? based.segments.length - 1 : based.segments.length,
      params,
    };
  }

  private insert(segments: RouteSegment[], entry: Entry): void {
    let node = this.root;
    for (const s of segments) {
      if (s.kind === 'wildcard') {
        node.wildcard = entry;
        return;
      }
      if (s.kind === 'param') {
        node = node.param ??= newNode();
      } else {
        let next = node.exact.get(s.value);
        if (!next) node.exact.set(s.value, (next = newNode()));
        node = next;
      }
    }
    node.end = entry;
  }
}

/** Depth-first in precedence order; the first hit is the best match. */
function find(node: TrieNode, segments: string[], i: number): Entry | undefined {
  if (i === segments.length) return node.end ?? node.wildcard;
  const segment = segments[i]!;
  const exact = node.exact.get(segment);
  const viaExact = exact && find(exact, segments, i + 1);
  if (viaExact) return viaExact;
  const viaParam = node.param && segment !== '' ? find(node.param, segments, i + 1) : undefined;
  return viaParam ?? node.wildcard;
}

/**
 * `spin-path-info` for a wildcard route whose prefix has `depth` segments, following
 * Spin's RouteMatch::trailing_wildcard (trailing slash of the request is kept):
 * `/test` → "", `/test/` → "/", `/test/a` → "/a", `/test/a/` → "/a/".
 */
function wildcardCapture(segments: string[], depth: number, trailingSlash: boolean): string {
  const tail = segments.slice(depth);
  const captured = tail.length === 0 ? '' : `/${tail.join('/')}`;
  return trailingSlash ? `${captured}/` : captured;
}
